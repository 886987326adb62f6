package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// The PKCS#12 readers of PEERS.md, pointed at what EncodePFX writes. Each
// form must open where PEERS.md measured it opens, and fail where it fails,
// with the error text the user will see.

// peerPass is ASCII: Java's PKCS#12 PBE refuses other pass phrases
// ("getSecretKey failed: Password is not ASCII", see TestPFXKeytool).
const peerPass = "peer pass 1"

// peerPFXFiles writes the three forms for an RSA leaf with a two-certificate
// chain and the friendly name "server", with pass phrase pass.
func peerPFXFiles(t *testing.T, pass string) (*pfxChain, map[PFXEncryption]string) {
	t.Helper()
	c := newPFXChain(t, testRSAKey(t))
	dir := t.TempDir()
	files := map[PFXEncryption]string{}
	for enc := range pfxForms {
		der, err := EncodePFX(c.options(enc, "server", []byte(pass)))
		if err != nil {
			t.Fatal(err)
		}
		files[enc] = pkitest.WriteFile(t, dir, enc.String()+".p12", der)
	}
	return c, files
}

const nodePFXScript = `
const tls = require('tls'), fs = require('fs');
const [pass, ...files] = process.argv.slice(1);
for (const f of files) {
  try {
    tls.createSecureContext({pfx: fs.readFileSync(f), passphrase: pass});
    console.log('ok');
  } catch (e) {
    console.log('error: ' + e.message);
  }
}
`

// TestPFXNode checks Node's tls.createSecureContext: compat and aes load,
// rc2 is refused ("Unsupported PKCS12 PFX data", OpenSSL 3 without the
// legacy provider), and a wrong pass phrase is "mac verify failure".
func TestPFXNode(t *testing.T) {
	node := pkitest.Tool(t, "node")
	_, files := peerPFXFiles(t, peerPass)
	run := func(pass string, fs ...string) []string {
		out, err := exec.Command(node, append([]string{"-e", nodePFXScript, pass}, fs...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	got := run(peerPass, files[PFXCompat], files[PFXAES], files[PFXRC2], files[PFXCompat])
	got = got[:3]
	wrong := run("wrong", files[PFXCompat])
	want := []string{"ok", "ok", "error: Unsupported PKCS12 PFX data"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("file %d: got %q, want %q", i, got[i], want[i])
		}
	}
	if len(wrong) != 1 || !strings.Contains(wrong[0], "mac verify failure") {
		t.Errorf("wrong pass phrase: got %q, want mac verify failure", wrong)
	}
}

// TestPFXKeytool checks that Java 17's keytool lists every form with the
// friendly name as alias and the whole chain.
func TestPFXKeytool(t *testing.T) {
	keytool := pkitest.Tool(t, "keytool")
	_, files := peerPFXFiles(t, peerPass)
	for enc, f := range files {
		t.Run(enc.String(), func(t *testing.T) {
			out, err := exec.Command(keytool, "-list", "-v", "-storetype", "PKCS12", "-keystore", f, "-storepass", peerPass).CombinedOutput()
			if err != nil {
				t.Fatalf("keytool: %v\n%s", err, out)
			}
			for _, want := range []string{"Your keystore contains 1 entry", "Alias name: server", "Entry type: PrivateKeyEntry",
				"Certificate chain length: 3", "Owner: CN=127.0.0.1", "Owner: CN=wsskit test root"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("keytool output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	t.Run("non-ASCII pass phrase", func(t *testing.T) {
		// Measured: Java 17 cannot open any PKCS#12 whose pass phrase is not
		// ASCII, whatever the algorithms.
		_, files := peerPFXFiles(t, testPass)
		out, err := exec.Command(keytool, "-list", "-v", "-storetype", "PKCS12", "-keystore", files[PFXCompat], "-storepass", testPass).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "Password is not ASCII") {
			t.Errorf("keytool with a non-ASCII pass phrase: %v\n%s", err, out)
		}
	})
	t.Run("truststore", func(t *testing.T) {
		c := newPFXChain(t, nil)
		der, err := EncodeTrustStorePFX([]*x509.Certificate{c.root.Cert, c.inter.Cert}, []byte("changeit"))
		if err != nil {
			t.Fatal(err)
		}
		f := pkitest.WriteFile(t, t.TempDir(), "trust.p12", der)
		out, err := exec.Command(keytool, "-list", "-storetype", "PKCS12", "-keystore", f, "-storepass", "changeit").CombinedOutput()
		if err != nil {
			t.Fatalf("keytool: %v\n%s", err, out)
		}
		if n := strings.Count(string(out), "trustedCertEntry"); n != 2 {
			t.Errorf("got %d trustedCertEntry lines, want 2:\n%s", n, out)
		}
	})
}

const monoPFXSource = `using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;

// For each file: what X509Certificate2 (the btls importer every .NET-on-Mono
// TLS API uses) says, and what the managed Mono.Security PKCS12 parser says.
public static class PfxRead {
	public static int Main(string[] args) {
		string pass = args[0];
		for (int i = 1; i < args.Length; i++) {
			string a, b;
			try {
				var c = new X509Certificate2(args[i], pass);
				a = "ok " + c.Subject + " key=" + c.HasPrivateKey;
			} catch (Exception e) {
				a = "error " + e.Message + (e.InnerException != null ? " / " + e.InnerException.Message : "");
			}
			try {
				var p = new Mono.Security.X509.PKCS12(File.ReadAllBytes(args[i]), pass);
				b = "ok certs=" + p.Certificates.Count + " keys=" + p.Keys.Count;
			} catch (Exception e) {
				b = "error " + e.Message;
			}
			Console.WriteLine(a + " | " + b);
		}
		return 0;
	}
}
`

// monoPFXReader compiles the C# reader once (cached by source hash under
// testdata/.cache) and returns the .exe path.
func monoPFXReader(t *testing.T) string {
	t.Helper()
	mcs := pkitest.Tool(t, "mcs")
	sum := sha256.Sum256([]byte(monoPFXSource))
	cache, err := filepath.Abs(filepath.Join("..", "testdata", ".cache"))
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(cache, "pfxread-"+hex.EncodeToString(sum[:6])+".exe")
	if _, err := os.Stat(exe); err == nil {
		return exe
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	src := pkitest.WriteFile(t, t.TempDir(), "PfxRead.cs", []byte(monoPFXSource))
	tmp := exe + ".tmp"
	out, err := exec.Command(mcs, "-r:System.dll", "-r:Mono.Security.dll", "-out:"+tmp, src).CombinedOutput()
	if err != nil {
		t.Fatalf("mcs: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, exe); err != nil {
		t.Fatal(err)
	}
	return exe
}

// TestPFXMono checks Mono's X509Certificate2: compat and rc2 open with the
// key and all three certificates; the OpenSSL 3 default AES form fails as
// PEERS.md measured (MonoBtlsPkcs12.Import, the same error as a wrong pass
// phrase).
func TestPFXMono(t *testing.T) {
	mono := pkitest.Tool(t, "mono")
	exe := monoPFXReader(t)
	_, files := peerPFXFiles(t, peerPass)
	cmd := exec.Command(mono, exe, peerPass, files[PFXCompat], files[PFXRC2], files[PFXAES])
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mono: %v\n%s", err, out)
	}
	cmd = exec.Command(mono, exe, "wrong", files[PFXCompat])
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	wrong, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mono: %v\n%s", err, wrong)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("mono printed %q", out)
	}
	wantOK := "ok CN=127.0.0.1 key=True | ok certs=3 keys=1"
	if lines[0] != wantOK || lines[1] != wantOK {
		t.Errorf("compat/rc2: got %q, want %q", lines[:2], wantOK)
	}
	wantAES := "error Unable to decode certificate. / `MonoBtlsPkcs12.Import` failed. | error unsupported HMAC"
	if lines[2] != wantAES {
		t.Errorf("aes: got %q, want %q", lines[2], wantAES)
	}
	// PEERS.md: the AES failure reads exactly like a wrong pass phrase.
	wantWrong := "error Unable to decode certificate. / `MonoBtlsPkcs12.Import` failed."
	if w := strings.TrimSpace(string(wrong)); !strings.HasPrefix(w, wantWrong+" | ") {
		t.Errorf("wrong pass phrase: got %q, want prefix %q", w, wantWrong)
	}
}

// TestPFXGnuTLS checks `certtool --p12-info` (GnuTLS 3.7): it verifies the
// MAC, decrypts every bag and reports the algorithms we chose.
func TestPFXGnuTLS(t *testing.T) {
	certtool := pkitest.Tool(t, "certtool")
	_, files := peerPFXFiles(t, peerPass)
	want := map[PFXEncryption][]string{
		PFXCompat: {"MAC: SHA1", "Cipher: 3DES-CBC", "Schema: PKCS12-3DES-SHA1"},
		PFXAES:    {"MAC: SHA256", "Cipher: AES-256-CBC", "Schema: PBES2-AES256-CBC"},
		PFXRC2:    {"MAC: SHA1", "Cipher: RC2-40", "Schema: PKCS12-3DES-SHA1"},
	}
	for enc, f := range files {
		t.Run(enc.String(), func(t *testing.T) {
			out, err := exec.Command(certtool, "--p12-info", "--inder", "--infile", f, "--password", peerPass).CombinedOutput()
			if err != nil {
				t.Fatalf("certtool: %v\n%s", err, out)
			}
			for _, w := range want[enc] {
				if !strings.Contains(string(out), w) {
					t.Errorf("certtool output lacks %q", w)
				}
			}
			if n := strings.Count(string(out), "Type: Certificate"); n != 3 {
				t.Errorf("certtool saw %d certificates, want 3", n)
			}
			if n := strings.Count(string(out), "Friendly name: server"); n != 2 {
				t.Errorf("certtool saw the friendly name %d times, want 2 (leaf and key)", n)
			}
			if !strings.Contains(string(out), "Type: PKCS #8 Encrypted key") {
				t.Errorf("certtool saw no encrypted key")
			}
			out, err = exec.Command(certtool, "--p12-info", "--inder", "--infile", f, "--password", "wrong").CombinedOutput()
			if err == nil || !strings.Contains(string(out), "Message Authentication Code verification failed") {
				t.Errorf("certtool with a wrong pass phrase: %v\n%s", err, out)
			}
		})
	}
}

// TestPFXNSS checks `pk12util -l` (NSS, the library Chromium and Firefox
// import PKCS#12 files with).
func TestPFXNSS(t *testing.T) {
	pk12util := pkitest.Tool(t, "pk12util")
	_, files := peerPFXFiles(t, peerPass)
	for enc, f := range files {
		t.Run(enc.String(), func(t *testing.T) {
			out, err := exec.Command(pk12util, "-l", f, "-W", peerPass).CombinedOutput()
			if err != nil {
				t.Fatalf("pk12util: %v\n%s", err, out)
			}
			s := string(out)
			if strings.Count(s, "Certificate(has private key):") != 1 || strings.Count(s, "\nCertificate:") != 2 ||
				!strings.Contains(s, "Key(shrouded):") || strings.Count(s, "Friendly Name: server") != 2 {
				t.Errorf("pk12util did not list key, leaf, two CA certificates and the name twice:\n%s", s)
			}
			out, err = exec.Command(pk12util, "-l", f, "-W", "wrong").CombinedOutput()
			if err == nil || !strings.Contains(string(out), "SEC_ERROR_BAD_PASSWORD") {
				t.Errorf("pk12util with a wrong pass phrase: %v\n%s", err, out)
			}
		})
	}
}
