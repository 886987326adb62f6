package commands

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestClientAndServerConfig: the same kind of config file drives client and
// server; switching ws:// to wss:// needs only the url and a tls: block,
// and flags override the file.
func TestClientAndServerConfig(t *testing.T) {
	dir, p := probePKI(t)
	addr := startProbeServer(t, p, tls.RequireAndVerifyClientCert)
	clientCfg := fmt.Sprintf(`url: wss://%s/echo
tls:
  cert: client.pem
  key: client.key
  cafile: ca.pem
`, addr)
	cfgPath := writeConfig(t, dir, "client.yaml", clientCfg)
	r := run(t, "", "client", "--config", cfgPath, "--send", "hi", "--expect", "hi", "--timeout", "5s")
	if r.code != 0 {
		t.Fatalf("client --config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A flag overrides the file: the wrong CA makes it fail with exit 5.
	r = run(t, "", "client", "--config", cfgPath, "--cafile", filepath.Join(dir, "other-ca.pem"), "--send", "hi", "--timeout", "5s")
	if r.code != ExitTLS || !strings.Contains(r.stdout+r.stderr, "server_cert_untrusted") {
		t.Errorf("flag did not override the config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// load and the diagnostic server read the same schema.
	r = run(t, "", "load", "--config", cfgPath, "-n", "20", "-c", "2", "--timeout", "5s")
	if r.code != 0 {
		t.Errorf("load --config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := writeConfig(t, dir, "bad.yaml", "url: wss://127.0.0.1:1/x\nservices:\n  /x: echo\n")
	run(t, "", "client", "--config", bad).wantFail(t, ExitUsage, "services")
	run(t, "", "server", "--config", writeConfig(t, dir, "srv.yaml", "url: ws://127.0.0.1:1/x\ntls:\n  cert: server.pem\n")).wantFail(t, ExitInput, "tls")
}

func writeConfig(t *testing.T, dir, name, content string) string {
	t.Helper()
	return pkitest.WriteFile(t, dir, name, []byte(content))
}
