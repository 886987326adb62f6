// JavaTLSCheck: a Java TLS client for wsskit's lint tests. It trusts the CA
// certificate in CAFILE (PEM), connects to each HOST:PORT given on the
// command line with HTTPS endpoint identification (as HttpsURLConnection and
// most Java WebSocket clients do) and prints one line per target:
// "OK" or "FAIL <exception chain>".
//
// Run: java JavaTLSCheck.java CAFILE HOST:PORT...
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class JavaTLSCheck {
    public static void main(String[] args) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (FileInputStream in = new FileInputStream(args[0])) {
            ks.setCertificateEntry("ca", (X509Certificate) cf.generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        for (int i = 1; i < args.length; i++) {
            int colon = args[i].lastIndexOf(':');
            String host = args[i].substring(0, colon);
            int port = Integer.parseInt(args[i].substring(colon + 1));
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
                s.setSoTimeout(5000);
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
                System.out.println("OK");
            } catch (Exception e) {
                StringBuilder sb = new StringBuilder("FAIL");
                for (Throwable t = e; t != null; t = t.getCause()) {
                    sb.append(' ').append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(';');
                }
                System.out.println(sb.toString().replace('\n', ' '));
            }
        }
    }
}
