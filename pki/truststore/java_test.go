package truststore

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// newKeystore makes a PKCS#12 keystore with one key pair, as a copy of an
// application's keystore would be (never the machine's cacerts).
func newKeystore(t *testing.T, keytool, pass string) string {
	t.Helper()
	ks := filepath.Join(t.TempDir(), "app.p12")
	pkitest.Run(t, keytool, "-genkeypair", "-alias", "app", "-keyalg", "EC", "-dname", "CN=app", "-validity", "2",
		"-keystore", ks, "-storetype", "PKCS12", "-storepass", pass)
	return ks
}

// javaTrustCheck compiles a tiny HTTPS client once per test; the returned
// function runs it against url with keystore as its only trust store and
// reports what it printed.
func javaTrustCheck(t *testing.T) func(keystore, pass, url string) (bool, string) {
	t.Helper()
	javac := pkitest.Tool(t, "javac")
	java := pkitest.Tool(t, "java")
	dir := t.TempDir()
	src := pkitest.WriteFile(t, dir, "TrustCheck.java", []byte(`import java.io.InputStream;
import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

public class TrustCheck {
    public static void main(String[] args) throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) new URL(args[0]).openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        try (InputStream in = c.getInputStream()) {
            System.out.println("OK " + new String(in.readAllBytes()));
        }
    }
}
`))
	pkitest.Run(t, javac, "-d", dir, src)
	return func(keystore, pass, url string) (bool, string) {
		cmd := exec.Command(java, "-Djavax.net.ssl.trustStore="+keystore, "-Djavax.net.ssl.trustStorePassword="+pass, "-cp", dir, "TrustCheck", url)
		out, err := cmd.CombinedOutput()
		return err == nil && strings.HasPrefix(string(out), "OK java-trust"), strings.TrimSpace(string(out))
	}
}

func TestJavaRealKeytool(t *testing.T) {
	t.Parallel()
	keytool := pkitest.Tool(t, "keytool")
	const pass = "s3cret-pass"
	ks := newKeystore(t, keytool, pass)
	p := pkitest.NewPKI(t, "wsskit test CA java")
	ca, err := NewCA(p.CA.Cert)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("java-trust")) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.Server.TLS()}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	defer srv.Close()
	check := javaTrustCheck(t)
	if ok, out := check(ks, pass, srv.URL); ok {
		t.Fatalf("Java trusted the server before install: %s", out)
	}

	rec := &recorder{}
	opts := Options{Stores: []Kind{Java}, JavaKeystore: ks, JavaStorepass: pass, Runner: rec, CAFile: caFile(t, t.TempDir(), ca)}
	before, _ := os.ReadFile(ks)
	dry := opts
	dry.DryRun = true
	r := one(t)(Install(ctxT(t), ca, dry))
	wantStatus(t, r, StatusPlanned, "would add to Java keystore "+ks, "'"+ca.Alias+"'")
	if after, _ := os.ReadFile(ks); string(after) != string(before) {
		t.Fatal("dry run changed the keystore")
	}

	r = one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusAdded, "added to Java keystore "+ks+" as '"+ca.Alias+"'")
	if ok, out := check(ks, pass, srv.URL); !ok {
		t.Errorf("Java does not trust the server after install: %s", out)
	}
	// The password reaches keytool through the environment only.
	for i, c := range rec.calls {
		if strings.Contains(strings.Join(c, " "), pass) {
			t.Errorf("password on a command line: %q", c)
		}
		if len(rec.envs[i]) != 1 || rec.envs[i][0] != storepassEnv+"="+pass {
			t.Errorf("env %q", rec.envs[i])
		}
	}
	for _, a := range r.Actions {
		if strings.Contains(a.String(), pass) {
			t.Errorf("password in the plan: %s", a)
		}
	}

	rec.reset()
	wantStatus(t, one(t)(Install(ctxT(t), ca, opts)), StatusUnchanged, "nothing to do")
	if got := rec.commands(); len(got) != 1 || !strings.Contains(got[0], " -list ") {
		t.Errorf("second install ran %q, want one keytool -list", got)
	}
	wantStatus(t, one(t)(List(ctxT(t), ca, opts)), StatusPresent)
	rep, err := List(ctxT(t), nil, opts)
	if err != nil || len(rep.Installed) != 1 || rep.Installed[0].Label != ca.Alias || rep.Installed[0].SHA256 != ca.SHA256 {
		t.Errorf("List(nil) = %+v, %v", rep.Installed, err)
	}

	r = one(t)(Uninstall(ctxT(t), ca, opts))
	wantStatus(t, r, StatusRemoved, "removed '"+ca.Alias+"'")
	if ok, out := check(ks, pass, srv.URL); ok {
		t.Errorf("Java still trusts the server after uninstall: %s", out)
	}
	out := pkitest.Run(t, keytool, "-list", "-keystore", ks, "-storepass", pass)
	if !strings.Contains(out, "app,") {
		t.Errorf("uninstall lost the key pair entry:\n%s", out)
	}
	wantStatus(t, one(t)(Uninstall(ctxT(t), ca, opts)), StatusUnchanged)
}

func TestJavaKeystoreEdges(t *testing.T) {
	t.Parallel()
	keytool := pkitest.Tool(t, "keytool")
	ca, _ := testCA(t, "Edge CA")
	file := caFile(t, t.TempDir(), ca)

	t.Run("new keystore is created", func(t *testing.T) {
		t.Parallel()
		ks := filepath.Join(t.TempDir(), "new-truststore.p12")
		opts := Options{Stores: []Kind{Java}, JavaKeystore: ks, CAFile: file}
		wantStatus(t, one(t)(List(ctxT(t), ca, opts)), StatusAbsent)
		r := one(t)(Install(ctxT(t), ca, opts))
		wantStatus(t, r, StatusAdded)
		if !strings.Contains(r.Actions[0].Why, "creates a PKCS#12 keystore") {
			t.Errorf("why %q", r.Actions[0].Why)
		}
		out := pkitest.Run(t, keytool, "-list", "-keystore", ks, "-storepass", "changeit")
		if !strings.Contains(out, "PKCS12") || !strings.Contains(out, ca.Alias) {
			t.Errorf("keystore:\n%s", out)
		}
	})
	t.Run("held under another alias", func(t *testing.T) {
		t.Parallel()
		ks := newKeystore(t, keytool, "changeit")
		pkitest.Run(t, keytool, "-importcert", "-noprompt", "-alias", "corp root", "-file", file, "-keystore", ks, "-storepass", "changeit")
		opts := Options{Stores: []Kind{Java}, JavaKeystore: ks, CAFile: file}
		wantStatus(t, one(t)(Install(ctxT(t), ca, opts)), StatusUnchanged, "already trusted", "'corp root'", "not added by wsskit")
		r := one(t)(Uninstall(ctxT(t), ca, opts))
		wantStatus(t, r, StatusUnchanged)
		if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "corp root") {
			t.Errorf("notes %q", r.Notes)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		ks := newKeystore(t, keytool, "changeit")
		r := one(t)(Install(ctxT(t), ca, Options{Stores: []Kind{Java}, JavaKeystore: ks, JavaStorepass: "wrong", CAFile: file}))
		wantStatus(t, r, StatusFailed, "password was incorrect")
		var te *ToolError
		if !errors.As(r.Err, &te) {
			t.Errorf("err %T, want *ToolError", r.Err)
		}
	})
	t.Run("cacerts of the JDK", func(t *testing.T) {
		// Only located and listed, never written: the test must not
		// change the machine's cacerts.
		tgts, err := (&Options{LookPath: func(string) (string, error) { return keytool, nil }, GOOS: "linux"}).javaTargets()
		if err != nil {
			t.Fatal(err)
		}
		jt := tgts[0].(*javaTarget)
		if !jt.cacerts || filepath.Base(jt.path) != "cacerts" {
			t.Errorf("target %+v, want the JDK's cacerts via -cacerts", jt)
		}
		if got := strings.Join(jt.storeArgs(), " "); !strings.HasPrefix(got, "-cacerts -storepass:env "+storepassEnv) {
			t.Errorf("store args %q", got)
		}
	})
	t.Run("no keytool", func(t *testing.T) {
		rep, err := Install(ctxT(t), ca, Options{Stores: []Kind{Java}, LookPath: notFound, Runner: &recorder{}})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, rep.Results[0], StatusFailed, "keytool not found", "JAVA_HOME")
		var tm *ToolMissingError
		if !errors.As(rep.Results[0].Err, &tm) {
			t.Errorf("err %T", rep.Results[0].Err)
		}
	})
	t.Run("JAVA_HOME without keytool", func(t *testing.T) {
		rep, err := Install(ctxT(t), ca, Options{Stores: []Kind{Java}, JavaHome: t.TempDir(), Runner: &recorder{}})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, rep.Results[0], StatusFailed, "has no bin/keytool")
	})
}

func TestParseKeytoolList(t *testing.T) {
	c := certOf(t, "Parsed CA", true)
	p := string(pemBlock("CERTIFICATE", c.Raw))
	out := "Keystore type: PKCS12\nKeystore provider: SUN\n\nYour keystore contains 2 entries\n\n" +
		"Alias name: app\nCreation date: Nov 25, 2026\nEntry type: PrivateKeyEntry\nCertificate chain length: 1\nCertificate[1]:\n" + p +
		"\n\n*******************************************\n*******************************************\n\n\n" +
		"Alias name: wsskit parsed ca (0a0b0c0d)\nCreation date: Nov 25, 2026\nEntry type: trustedCertEntry\n\n" + p +
		"\n\n*******************************************\n*******************************************\n"
	got := parseKeytoolList([]byte(out))
	if len(got) != 2 {
		t.Fatalf("got %d entries, want 2", len(got))
	}
	if got[0].alias != "app" || got[0].trusted || len(got[0].certs) != 1 {
		t.Errorf("entry 0: %+v", got[0])
	}
	if got[1].alias != "wsskit parsed ca (0a0b0c0d)" || !got[1].trusted || len(got[1].certs) != 1 || string(got[1].certs[0]) != string(c.Raw) {
		t.Errorf("entry 1: alias %q trusted %v certs %d", got[1].alias, got[1].trusted, len(got[1].certs))
	}
}
