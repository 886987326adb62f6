package probe

import (
	"crypto/tls"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

func TestSuiteName(t *testing.T) {
	tests := []struct {
		id   uint16
		want string
	}{
		{tls.TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256"},
		{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
		{tls.TLS_RSA_WITH_RC4_128_SHA, "TLS_RSA_WITH_RC4_128_SHA"}, // insecure, still Go's
		{0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
		{0x1304, "TLS_AES_128_CCM_SHA256"},
		{0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
		{0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
		{0x5600, "TLS_FALLBACK_SCSV"},
		{0xFEFE, "0xFEFE"},
	}
	for _, tc := range tests {
		if got := SuiteName(tc.id); got != tc.want {
			t.Errorf("SuiteName(%#04x) = %q, want %q", tc.id, got, tc.want)
		}
	}
	names, inGo := offeredSuites([]uint16{0x0A0A, 0x009E, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0x00FF, 0x5600})
	if strings.Join(names, ",") != "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" || inGo != 1 {
		t.Errorf("offeredSuites: %v, %d in Go", names, inGo)
	}
}

// The generated table and crypto/tls agree with the installed OpenSSL on
// every suite it lists (gen_suites.sh regenerates the table).
func TestSuiteNamesMatchOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	out, err := exec.Command(openssl, "ciphers", "-V", "-stdname", "-ciphersuites",
		"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256",
		"ALL:COMPLEMENTOFALL:@SECLEVEL=0").Output()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			t.Fatalf("unexpected line %q", line)
		}
		var hi, lo uint16
		if _, err := fmt.Sscanf(f[0], "0x%02X,0x%02X", &hi, &lo); err != nil {
			t.Fatalf("%q: %v", f[0], err)
		}
		id := hi<<8 | lo
		if got := SuiteName(id); got != f[2] {
			t.Errorf("%s: SuiteName = %q, openssl says %q", f[0], got, f[2])
		}
		if got, ok := opensslSuites[id]; !ok || got != [2]string{f[2], f[4]} {
			t.Errorf("%s: table has %q, openssl says %q %q (sh gen_suites.sh)", f[0], got, f[2], f[4])
		}
		n++
	}
	if n != len(opensslSuites) {
		t.Errorf("openssl lists %d suites, the table %d (sh gen_suites.sh)", n, len(opensslSuites))
	}
}
