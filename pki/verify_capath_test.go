package pki

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// TestHashDirLayouts checks HashDir against `openssl verify -CApath` on
// hand-made folder layouts: gaps, dangling links, DER entries, several
// certificates per file, TRUSTED CERTIFICATE blocks and several folders.
func TestHashDirLayouts(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	ca := mkCert(t, certSpec{cn: "Folder CA", ca: true}, nil)
	other := mkCert(t, certSpec{cn: "Other CA", ca: true}, nil)
	leaf := mkCert(t, certSpec{cn: "folder leaf"}, ca)
	hash := testNameHash(ca.cert.RawSubject)
	trusted := pem.EncodeToMemory(&pem.Block{Type: "TRUSTED CERTIFICATE", Bytes: append(append([]byte(nil), ca.cert.Raw...), 0x30, 0x00)})

	type entry struct {
		name string
		data []byte
		link string // symlink target instead of data
	}
	tests := []struct {
		name    string
		entries []entry
		wantOK  bool
	}{
		{name: "HASH.0", entries: []entry{{name: hash + ".0", data: certsPEM(ca.cert)}}, wantOK: true},
		{name: "gap at .0 hides .1", entries: []entry{{name: hash + ".1", data: certsPEM(ca.cert)}}},
		{name: "collision in .0, CA in .1", entries: []entry{{name: hash + ".0", data: certsPEM(other.cert)}, {name: hash + ".1", data: certsPEM(ca.cert)}}, wantOK: true},
		{name: "dangling link skipped", entries: []entry{{name: hash + ".0", link: "gone.pem"}, {name: hash + ".1", data: certsPEM(ca.cert)}}, wantOK: true},
		{name: "file without certificates skipped", entries: []entry{{name: hash + ".0", data: []byte("no PEM here\n")}, {name: hash + ".1", data: certsPEM(ca.cert)}}, wantOK: true},
		{name: "DER entry useless", entries: []entry{{name: hash + ".0", data: ca.cert.Raw}}},
		{name: "bundle file", entries: []entry{{name: hash + ".0", data: certsPEM(other.cert, ca.cert)}}, wantOK: true},
		{name: "trusted certificate block", entries: []entry{{name: hash + ".0", data: trusted}}, wantOK: true},
		{name: "link to the CA", entries: []entry{{name: "ca.pem", data: certsPEM(ca.cert)}, {name: hash + ".0", link: "ca.pem"}}, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dirs := []string{filepath.Join(base, "a")}
			if err := os.Mkdir(dirs[0], 0o755); err != nil {
				t.Fatal(err)
			}
			for _, e := range tt.entries {
				p := filepath.Join(dirs[0], e.name)
				if e.link != "" {
					if err := os.Symlink(e.link, p); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeTestFile(t, dirs[0], e.name, e.data)
			}
			capath := dirs[0]
			leafFile := writeTestFile(t, base, "leaf.pem", certsPEM(leaf.cert))
			out, err := exec.Command(openssl, "verify", "-no-CAfile", "-no-CApath", "-no-CAstore", "-CApath", capath, leafFile).CombinedOutput()
			sslOK := err == nil
			if sslOK != tt.wantOK {
				t.Fatalf("openssl: ok=%v, case expects %v\n%s", sslOK, tt.wantOK, out)
			}
			r := Verify(leaf.cert, VerifyOptions{CAPath: OpenHashDir(capath), MaxDepth: -1})
			if r.OK() != sslOK {
				t.Errorf("Verify OK = %v (%v), openssl %v:\n%s", r.OK(), linesOf(r), sslOK, out)
			}
			if !sslOK && (len(r.Errors) != 1 || r.Errors[0].Code != VerifyErrUnableToGetIssuerLocal) {
				t.Errorf("got %v, want error 20", linesOf(r))
			}
		})
	}
}

// The openssl verify app accepts only one -CApath folder; the library (and
// wsskit) search several, separated like PATH.
func TestHashDirSeveralFolders(t *testing.T) {
	ca := mkCert(t, certSpec{cn: "Folder CA", ca: true}, nil)
	leaf := mkCert(t, certSpec{cn: "folder leaf"}, ca)
	a, b := t.TempDir(), t.TempDir()
	writeTestFile(t, b, testNameHash(ca.cert.RawSubject)+".0", certsPEM(ca.cert))
	h := OpenHashDir(a + string(os.PathListSeparator) + b)
	if got := len(OpenCAPath(a + string(os.PathListSeparator) + b).Dirs()); got != 2 {
		t.Fatalf("got %d folders, want 2", got)
	}
	if r := Verify(leaf.cert, VerifyOptions{CAPath: h, MaxDepth: -1}); !r.OK() {
		t.Errorf("got %v, want OK", linesOf(r))
	}
	if r := Verify(leaf.cert, VerifyOptions{CAPath: OpenHashDir(a), MaxDepth: -1}); r.OK() {
		t.Errorf("got OK from the folder without the CA")
	}
}

// A folder file read for one name puts all its certificates into OpenSSL's
// store, so a root bundled under its intermediate's hash is found.
func TestHashDirBundleFillsStore(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	root := mkCert(t, certSpec{cn: "Bundle Root", ca: true}, nil)
	inter := mkCert(t, certSpec{cn: "Bundle Intermediate", ca: true}, root)
	leaf := mkCert(t, certSpec{cn: "bundle leaf"}, inter)
	revoking := mkCRL(t, crlSpec{revoked: []revoked{{leaf.cert.SerialNumber, 1}}}, inter)
	rootCRL := mkCRL(t, crlSpec{}, root)
	tests := []struct {
		name  string
		files map[string][]byte
		crl   string // "" or -crl_check / -crl_check_all
		want  []string
	}{
		{"root bundled under the intermediate's hash", map[string][]byte{
			testNameHash(inter.cert.RawSubject) + ".0": certsPEM(inter.cert, root.cert)}, "", nil},
		{"root alone under the intermediate's hash", map[string][]byte{
			testNameHash(inter.cert.RawSubject) + ".0": certsPEM(root.cert)}, "", []string{"20@0"}},
		{"CRL bundle under one hash", map[string][]byte{
			testNameHash(inter.cert.RawSubject) + ".0":  certsPEM(inter.cert, root.cert),
			testNameHash(inter.cert.RawSubject) + ".r0": crlsPEM(revoking, rootCRL)}, "-crl_check_all", []string{"23@0"}},
		{"root CRL bundled under the root's hash only", map[string][]byte{
			testNameHash(inter.cert.RawSubject) + ".0": certsPEM(inter.cert, root.cert),
			testNameHash(root.cert.RawSubject) + ".r0": crlsPEM(rootCRL, revoking)}, "-crl_check_all", []string{"3@0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			capath := filepath.Join(dir, "capath")
			if err := os.Mkdir(capath, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, data := range tt.files {
				writeTestFile(t, capath, name, data)
			}
			c := vcase{name: tt.name, files: []*x509.Certificate{leaf.cert}, want: [][]string{tt.want}}
			switch tt.crl {
			case "-crl_check":
				c.crlCheck = "leaf"
			case "-crl_check_all":
				c.crlCheck = "all"
			}
			runVerifyCaseWithCAPath(t, openssl, c, capath)
		})
	}
}
