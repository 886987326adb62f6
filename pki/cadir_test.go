package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// hxNewKey makes a fresh P-256 key.
func hxNewKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func hxWrite(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func hxHashOf(t testing.TB, name []byte) string {
	t.Helper()
	h, err := NameHash(name)
	if err != nil {
		t.Fatal(err)
	}
	return FormatHash(h)
}

func TestCAPathLookup(t *testing.T) {
	dir := t.TempDir()
	caName := hxName(hxSet(hxAVA(hxOIDO, 19, "Lookup")), hxSet(hxAVA(hxOIDCN, 12, "Root CA")))
	// Same name in another encoding: equal for OpenSSL's comparison.
	caNameAlt := hxName(hxSet(hxAVA(hxOIDO, 12, "lookup")), hxSet(hxAVA(hxOIDCN, 30, hxBMP("ROOT  CA"))))
	other := hxCN(12, "someone else")
	h := hxHashOf(t, caName)
	if h2 := hxHashOf(t, caNameAlt); h2 != h {
		t.Fatalf("alternative encoding hashes to %s, want %s", h2, h)
	}
	k1, k2, k3 := hxNewKey(t), hxNewKey(t), hxNewKey(t)
	ca1 := hxCert(caName, caName, hxCertOpts{key: k1, ca: true, serial: 1})
	ca2 := hxCert(caNameAlt, caNameAlt, hxCertOpts{key: k2, ca: true, serial: 2})
	ca3 := hxCert(caName, caName, hxCertOpts{key: k3, ca: true, serial: 3})
	otherCert := hxCert(other, other, hxCertOpts{key: k3, ca: true, serial: 4})
	// HASH.0: a collision (other name) and ca1; HASH.1: ca2 with a CRL;
	// HASH.3 is behind a gap and must not be found.
	hxWrite(t, dir, h+".0", append(hxPEM("CERTIFICATE", otherCert), hxPEM("CERTIFICATE", ca1)...))
	crl := hxCRL(caName, k1, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 9)
	hxWrite(t, dir, h+".1", append(hxPEM("X509 CRL", crl), hxPEM("CERTIFICATE", ca2)...))
	hxWrite(t, dir, h+".3", hxPEM("CERTIFICATE", ca3))
	hxWrite(t, dir, h+".r0", hxPEM("X509 CRL", crl))

	p := OpenCAPath(dir)
	certs, err := p.LookupIssuers(caName)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || string(certs[0].Raw) != string(ca1) || string(certs[1].Raw) != string(ca2) {
		t.Fatalf("got %d certificates, want ca1 and ca2 in file order", len(certs))
	}
	crls, err := p.LookupCRLs(caNameAlt)
	if err != nil {
		t.Fatal(err)
	}
	if len(crls) != 1 || string(crls[0].Raw) != string(crl) {
		t.Fatalf("got %d CRLs, want 1", len(crls))
	}
	// Not filed: nothing, no error.
	if certs, err := p.LookupIssuers(hxCN(12, "nobody")); err != nil || len(certs) != 0 {
		t.Errorf("got %d, %v; want nothing", len(certs), err)
	}
	// A gap at .0 hides .1.
	if err := os.Remove(filepath.Join(dir, h+".0")); err != nil {
		t.Fatal(err)
	}
	if certs, _ := p.LookupIssuers(caName); len(certs) != 0 {
		t.Errorf("gap at .0: got %d certificates, want 0", len(certs))
	}
	// A DER file is useless to OpenSSL, but OpenSSL 3.0 goes on with the
	// next number; a malformed object ends the reading of its file only.
	hxWrite(t, dir, h+".0", ca1)
	if certs, _ := p.LookupIssuers(caName); len(certs) != 1 || string(certs[0].Raw) != string(ca2) {
		t.Errorf("DER .0: got %d certificates, want ca2 (from .1) only", len(certs))
	}
	hxWrite(t, dir, h+".0", append(hxPEM("CERTIFICATE", ca1), []byte("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")...))
	if certs, _ = p.LookupIssuers(caName); len(certs) != 2 {
		t.Errorf("broken second object: got %d certificates, want ca1 and ca2", len(certs))
	}
	// A dangling .0 is skipped too.
	if err := os.Remove(filepath.Join(dir, h+".0")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("gone.pem", filepath.Join(dir, h+".0")); err != nil {
		t.Fatal(err)
	}
	if certs, _ = p.LookupIssuers(caName); len(certs) != 1 || string(certs[0].Raw) != string(ca2) {
		t.Errorf("dangling .0: got %d certificates, want ca2", len(certs))
	}
	if err := os.Remove(filepath.Join(dir, h+".0")); err != nil {
		t.Fatal(err)
	}
	// Reachable certificates: those in HASH.0, HASH.1 whose subject hashes
	// to HASH.
	hxWrite(t, dir, h+".0", append(hxPEM("CERTIFICATE", otherCert), hxPEM("CERTIFICATE", ca1)...))
	all, err := CAPathCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("CAPathCerts: got %d certificates, want 2 (ca1, ca2)", len(all))
	}
	if _, err := LoadCAPathPool(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := p.LookupIssuers([]byte{1, 2}); err == nil {
		t.Error("LookupIssuers accepted a malformed name")
	}
}

// hxEntry is a file or symlink of a test folder.
type hxEntry struct {
	name, link string // link: symlink target
	data       []byte
	dir        bool
}

func hxMakeDir(t testing.TB, dir string, entries []hxEntry) {
	t.Helper()
	for _, e := range entries {
		p := filepath.Join(dir, e.name)
		var err error
		switch {
		case e.dir:
			err = os.Mkdir(p, 0o755)
		case e.link != "":
			err = os.Symlink(e.link, p)
		default:
			err = os.WriteFile(p, e.data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// hxListing describes a folder: "name -> target" for symlinks, "name
// [sha1 prefix]" for files, "name/" for folders.
func hxListing(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.Type()&os.ModeSymlink != 0:
			tgt, err := os.Readlink(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e.Name()+" -> "+tgt)
		case e.IsDir():
			out = append(out, e.Name()+"/")
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			s := sha1.Sum(b)
			out = append(out, fmt.Sprintf("%s [%x]", e.Name(), s[:4]))
		}
	}
	return out
}

func hxCopyDir(t testing.TB, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		s, d := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		switch {
		case e.Type()&os.ModeSymlink != 0:
			tgt, err := os.Readlink(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tgt, d); err != nil {
				t.Fatal(err)
			}
		case e.IsDir():
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		default:
			b, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(d, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// hxOpenSSLRehash runs openssl rehash -v with args on dir and returns the
// event lines (after "Doing"), the stderr lines and the exit status.
func hxOpenSSLRehash(t testing.TB, openssl, dir string, args ...string) (events, messages []string, status int) {
	t.Helper()
	cmd := exec.Command(openssl, append(append([]string{"rehash", "-v"}, args...), dir)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if ee != nil {
		status = ee.ExitCode()
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) == 0 || lines[0] != "Doing "+dir {
		t.Fatalf("openssl rehash printed %q", stdout.String())
	}
	events = lines[1:]
	if s := strings.TrimSuffix(stderr.String(), "\n"); s != "" {
		messages = strings.Split(s, "\n")
	}
	return events, messages, status
}

func hxEventLines(r *RehashResult) []string {
	out := []string{}
	for _, e := range r.Events {
		out = append(out, e.String())
	}
	return out
}

func hxPrefixed(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, "rehash: "+m)
	}
	return out
}

func hxSameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s differ:\n got: %q\nwant: %q", what, got, want)
	}
}

// hxRehashFiles is the file set of OPENSSL-COMPAT.md §2.1's measurements:
// two CAs with one subject, a duplicate, CRLs, a bundle, a DER file, key
// files, odd labels and names.
func hxRehashFiles(t testing.TB) []hxEntry {
	t.Helper()
	same := hxName(hxSet(hxAVA(hxOIDO, 19, "Rehash")), hxSet(hxAVA(hxOIDCN, 12, "Same CA")))
	upper := hxCN(12, "Upper CA")
	other := hxCN(19, "Other")
	ka, kb := hxNewKey(t), hxNewKey(t)
	a := hxCert(same, same, hxCertOpts{key: ka, ca: true, serial: 10})
	b := hxCert(same, same, hxCertOpts{key: kb, ca: true, serial: 11})
	u := hxCert(upper, same, hxCertOpts{signer: ka, serial: 12})
	o := hxCert(other, same, hxCertOpts{signer: ka, serial: 13})
	now := time.Now()
	crlA := hxCRL(same, ka, now.Add(-time.Hour), now.Add(time.Hour), 12)
	crlU := hxCRL(upper, kb, now.Add(-time.Hour), now.Add(time.Hour))
	p8, err := x509.MarshalPKCS8PrivateKey(ka)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	refused := hxCert(hxCN(26, "visible"), same, hxCertOpts{signer: ka, serial: 14})
	encHdr := "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	return []hxEntry{
		{name: "a.pem", data: hxPEM("CERTIFICATE", a)},
		{name: "b.pem", data: hxPEM("CERTIFICATE", b)},
		{name: "dup.pem", data: hxPEM("CERTIFICATE", a)},
		{name: "UPPER.PEM", data: hxPEM("CERTIFICATE", u)},
		{name: "other.Crt", data: hxPEM("X509 CERTIFICATE", o)},
		{name: "trusted.cer", data: hxPEM("TRUSTED CERTIFICATE", cat(o, hxTLV(0x30, hxTLV(0x30, hxOID(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1})))))},
		{name: "ca.crl", data: hxPEM("X509 CRL", crlA)},
		{name: "upper.CRL", data: hxPEM("X509 CRL", crlU)},
		{name: "bundle.pem", data: cat(hxPEM("CERTIFICATE", u), hxPEM("CERTIFICATE", o))},
		{name: "der.cer", data: b},
		{name: "der.crl", data: crlU},
		{name: "keyonly.pem", data: hxPEM("PRIVATE KEY", p8)},
		{name: "eckey.pem", data: hxPEM("EC PRIVATE KEY", sec1)},
		{name: "enckey.pem", data: []byte(encHdr)},
		{name: "p8enc.pem", data: hxPEM("ENCRYPTED PRIVATE KEY", hxTLV(0x30, hxTLV(0x04, []byte("x"))))},
		{name: "badkey.pem", data: hxPEM("PRIVATE KEY", hxTLV(0x30, hxTLV(0x02, []byte{0})))},
		{name: "keycert.pem", data: cat(hxPEM("PRIVATE KEY", p8), hxPEM("CERTIFICATE", o))},
		{name: "certkey.pem", data: cat(hxPEM("CERTIFICATE", u), hxPEM("EC PRIVATE KEY", sec1))},
		{name: "certkeycert.pem", data: cat(hxPEM("CERTIFICATE", u), hxPEM("PRIVATE KEY", p8), hxPEM("CERTIFICATE", o))},
		{name: "certcrl.pem", data: cat(hxPEM("CERTIFICATE", o), hxPEM("X509 CRL", crlA))},
		{name: "csr.pem", data: hxPEM("CERTIFICATE REQUEST", hxTLV(0x30))},
		{name: "pubkey.pem", data: cat(hxPEM("PUBLIC KEY", hxSPKI(ka)), hxPEM("CERTIFICATE", u))},
		{name: "broken.pem", data: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n")},
		{name: "badb64.pem", data: cat(hxPEM("CERTIFICATE", u), []byte("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"))},
		{name: "refused.pem", data: hxPEM("CERTIFICATE", refused)},
		{name: "crlf.pem", data: bytes.ReplaceAll(hxPEM("CERTIFICATE", o), []byte("\n"), []byte("\r\n"))},
		{name: "notes.txt", data: []byte("not a certificate")},
		{name: "ca.der", data: a},
		{name: "empty.pem", data: nil},
		{name: "sub.pem", dir: true},
		{name: "dangling.pem", link: "nowhere.pem"},
		{name: "alias.pem", link: "a.pem"},
	}
}

func TestRehashMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	files := hxRehashFiles(t)
	// Hashes of the names used for pre-existing links.
	same := hxName(hxSet(hxAVA(hxOIDO, 19, "Rehash")), hxSet(hxAVA(hxOIDCN, 12, "Same CA")))
	hs := hxHashOf(t, same)
	hu := hxHashOf(t, hxCN(12, "Upper CA"))
	tests := []struct {
		name  string
		links []hxEntry
		args  []string
		opts  RehashOptions
		// fixedDiffers: the scenario has a stale link numbered below the
		// bucket count, where only Exact matches openssl.
		fixedDiffers bool
	}{
		{name: "fresh"},
		{name: "old hash", args: []string{"-old"}, opts: RehashOptions{Hash: HashOld}},
		{name: "compat", args: []string{"-compat"}, opts: RehashOptions{Hash: HashBoth}},
		{name: "existing good links", links: []hxEntry{{name: hs + ".0", link: "a.pem"}, {name: hs + ".1", link: "b.pem"}, {name: hs + ".r0", link: "ca.crl"}}},
		{name: "links swapped", links: []hxEntry{{name: hs + ".0", link: "b.pem"}, {name: hs + ".1", link: "a.pem"}}},
		{name: "too-high link kept", links: []hxEntry{{name: hs + ".5", link: "b.pem"}}},
		{name: "stale high links", links: []hxEntry{{name: hs + ".7", link: "gone.pem"}, {name: hu + ".r3", link: "gone.crl"}, {name: "00000000.2", link: "a.pem"}}},
		{name: "stale high links -n", args: []string{"-n"}, opts: RehashOptions{KeepLinks: true}, links: []hxEntry{{name: hs + ".7", link: "gone.pem"}}},
		{name: "link to duplicate", links: []hxEntry{{name: hs + ".3", link: "dup.pem"}}},
		{name: "stale low link", links: []hxEntry{{name: hs + ".0", link: "gone.pem"}}, fixedDiffers: true},
		{name: "wrong-hash low link", links: []hxEntry{{name: hu + ".0", link: "a.pem"}}, fixedDiffers: true},
		{name: "odd link names", links: []hxEntry{{name: strings.ToUpper(hs) + ".0", link: "a.pem"}, {name: hs + ".", link: "b.pem"}, {name: hs + ".05", link: "b.pem"},
			{name: hs + ".-1", link: "x"}, {name: hs + ". 3", link: "y"}, {name: hu + ".65536", link: "z"}, {name: hu + ".R", link: "upper.CRL"}}, fixedDiffers: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			src := filepath.Join(base, "src")
			if err := os.Mkdir(src, 0o755); err != nil {
				t.Fatal(err)
			}
			hxMakeDir(t, src, files)
			hxMakeDir(t, src, tc.links)
			run := func(name string, exact bool) {
				theirs, ours := filepath.Join(base, name+"-openssl"), filepath.Join(base, name+"-wsskit")
				for _, d := range []string{theirs, ours} {
					if err := os.Mkdir(d, 0o755); err != nil {
						t.Fatal(err)
					}
					hxCopyDir(t, src, d)
				}
				wantEvents, wantMsgs, wantStatus := hxOpenSSLRehash(t, openssl, theirs, tc.args...)
				opts := tc.opts
				opts.Exact = exact
				res, err := Rehash(ours, opts)
				if err != nil {
					t.Fatal(err)
				}
				if exact || !tc.fixedDiffers {
					hxSameLines(t, name+" events", hxEventLines(res), wantEvents)
					hxSameLines(t, name+" messages", hxPrefixed(res.Messages), wantMsgs)
					if res.Errors != wantStatus {
						t.Errorf("%s: Errors = %d, openssl exit status %d", name, res.Errors, wantStatus)
					}
					hxSameLines(t, name+" listing", hxListing(t, ours), hxListing(t, theirs))
				}
				// A second run changes nothing and keeps every link.
				again, err := Rehash(ours, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !exact && (again.Created != 0 || again.Removed != 0) {
					t.Errorf("%s: second run created %d and removed %d links", name, again.Created, again.Removed)
				}
				if !exact && !opts.KeepLinks {
					rep, err := ListCAPath(ours)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range rep.Entries {
						for _, f := range e.Findings {
							if (e.Kind == "link" || e.Kind == "copy") && f.Severity == "error" {
								t.Errorf("%s: our folder: %s: %s", name, e.Name, f.Text)
							}
						}
					}
				}
			}
			run("exact", true)
			run("fixed", false)
		})
	}
}

// hxVerifyPKI is two CAs sharing one subject (told apart by key
// identifiers), leaves of each, one revoked, and a CRL of each CA.
type hxVerifyPKI struct {
	caName                    []byte
	ca1, ca2                  []byte
	leaf1, leaf2, leafRevoked []byte
	crl1, crl2                []byte
}

func hxNewVerifyPKI(t testing.TB) *hxVerifyPKI {
	t.Helper()
	p := &hxVerifyPKI{caName: hxName(hxSet(hxAVA(hxOIDC, 19, "SG")), hxSet(hxAVA(hxOIDO, 12, "wsskit test")), hxSet(hxAVA(hxOIDCN, 12, "Twin CA")))}
	k1, k2, kl := hxNewKey(t), hxNewKey(t), hxNewKey(t)
	id1, id2 := []byte{1, 1, 1, 1}, []byte{2, 2, 2, 2}
	p.ca1 = hxCert(p.caName, p.caName, hxCertOpts{key: k1, ca: true, serial: 100, skid: id1, akid: id1})
	p.ca2 = hxCert(p.caName, p.caName, hxCertOpts{key: k2, ca: true, serial: 200, skid: id2, akid: id2})
	p.leaf1 = hxCert(hxCN(12, "leaf one"), p.caName, hxCertOpts{key: kl, signer: k1, serial: 101, akid: id1})
	p.leaf2 = hxCert(hxCN(12, "leaf two"), p.caName, hxCertOpts{key: kl, signer: k2, serial: 201, akid: id2})
	p.leafRevoked = hxCert(hxCN(12, "leaf revoked"), p.caName, hxCertOpts{key: kl, signer: k1, serial: 102, akid: id1})
	now := time.Now()
	// With two CAs of one name OpenSSL tells their CRLs apart by the
	// authority key identifier.
	p.crl1 = hxCRLAKID(p.caName, k1, now.Add(-time.Hour), now.Add(24*time.Hour), id1, 102)
	p.crl2 = hxCRLAKID(p.caName, k2, now.Add(-time.Hour), now.Add(24*time.Hour), id2)
	return p
}

// hxOpenSSLVerify runs openssl verify against the folder only and returns
// the combined output and whether it succeeded.
func hxOpenSSLVerify(t testing.TB, openssl, capath, leaf string, extra ...string) (string, bool) {
	t.Helper()
	args := append([]string{"verify", "-no-CAfile", "-no-CAstore", "-CApath", capath}, extra...)
	out, err := exec.Command(openssl, append(args, leaf)...).CombinedOutput()
	return string(out), err == nil
}

func TestCAPathOpenSSLVerify(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	p := hxNewVerifyPKI(t)
	work := t.TempDir()
	leaf1 := hxWrite(t, work, "leaf1.pem", hxPEM("CERTIFICATE", p.leaf1))
	leaf2 := hxWrite(t, work, "leaf2.pem", hxPEM("CERTIFICATE", p.leaf2))
	revoked := hxWrite(t, work, "revoked.pem", hxPEM("CERTIFICATE", p.leafRevoked))
	files := []hxEntry{
		{name: "ca1.pem", data: hxPEM("CERTIFICATE", p.ca1)},
		{name: "ca2.pem", data: hxPEM("CERTIFICATE", p.ca2)},
		{name: "ca1.crl", data: hxPEM("X509 CRL", p.crl1)},
		{name: "ca2.crl", data: hxPEM("X509 CRL", p.crl2)},
	}
	h := hxHashOf(t, p.caName)
	for _, mode := range []struct {
		name  string
		opts  RehashOptions
		links []hxEntry
	}{
		{"symlinks", RehashOptions{}, nil},
		{"copies", RehashOptions{Copy: true}, nil},
		{"stale low link replaced", RehashOptions{}, []hxEntry{{name: h + ".0", link: "gone.pem"}}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			hxMakeDir(t, dir, files)
			hxMakeDir(t, dir, mode.links)
			res, err := Rehash(dir, mode.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 || len(res.Messages) != 0 {
				t.Fatalf("rehash: %d errors, messages %q", res.Errors, res.Messages)
			}
			for _, leaf := range []string{leaf1, leaf2} {
				if out, ok := hxOpenSSLVerify(t, openssl, dir, leaf); !ok {
					t.Errorf("openssl verify %s: %s", filepath.Base(leaf), out)
				}
				if out, ok := hxOpenSSLVerify(t, openssl, dir, leaf, "-crl_check"); !ok {
					t.Errorf("openssl verify -crl_check %s: %s", filepath.Base(leaf), out)
				}
			}
			out, ok := hxOpenSSLVerify(t, openssl, dir, revoked, "-crl_check")
			if ok || !strings.Contains(out, "error 23 at 0 depth lookup: certificate revoked") {
				t.Errorf("revoked leaf: got %q, want error 23", out)
			}
			// Our lookup sees what OpenSSL sees.
			cp := OpenCAPath(dir)
			certs, err := cp.LookupIssuers(p.caName)
			if err != nil || len(certs) != 2 {
				t.Errorf("LookupIssuers: got %d certificates, %v; want 2", len(certs), err)
			}
			crls, err := cp.LookupCRLs(p.caName)
			if err != nil || len(crls) != 2 {
				t.Errorf("LookupCRLs: got %d CRLs, %v; want 2", len(crls), err)
			}
			pool, err := LoadCAPathPool(dir)
			if err != nil {
				t.Fatal(err)
			}
			leaf, err := x509.ParseCertificate(p.leaf1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool}); err != nil {
				t.Errorf("Go verify with LoadCAPathPool: %v", err)
			}
		})
	}
	// openssl rehash keeps the same stale link: harmless for OpenSSL 3.0's
	// lookup (it skips entries it cannot load) but junk that ListCAPath
	// reports and Rehash removes.
	t.Run("openssl keeps the stale link", func(t *testing.T) {
		dir := t.TempDir()
		hxMakeDir(t, dir, files)
		hxMakeDir(t, dir, []hxEntry{{name: h + ".0", link: "gone.pem"}})
		hxOpenSSLRehash(t, openssl, dir)
		if out, ok := hxOpenSSLVerify(t, openssl, dir, leaf1); !ok {
			t.Errorf("openssl verify: %s", out)
		}
		rep, err := ListCAPath(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Problems(FindingDangling); len(got) != 1 || !strings.HasPrefix(got[0], h+".0:") {
			t.Errorf("ListCAPath: got %q, want the dangling %s.0", rep.Problems(), h)
		}
		if got := rep.Problems(FindingGap); len(got) != 0 {
			t.Errorf("ListCAPath: unexpected gaps %q", got)
		}
	})
}

func TestRehashCopyMode(t *testing.T) {
	p := hxNewVerifyPKI(t)
	dir := t.TempDir()
	hxMakeDir(t, dir, []hxEntry{
		{name: "ca1.pem", data: hxPEM("CERTIFICATE", p.ca1)},
		{name: "ca2.pem", data: hxPEM("CERTIFICATE", p.ca2)},
		{name: "ca1.crl", data: hxPEM("X509 CRL", p.crl1)},
	})
	h := hxHashOf(t, p.caName)
	res, err := Rehash(dir, RehashOptions{Copy: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"link ca1.pem -> " + h + ".0", "link ca2.pem -> " + h + ".1", "link ca1.crl -> " + h + ".r0"}
	hxSameLines(t, "events", hxEventLines(res), want)
	for _, n := range []string{h + ".0", h + ".1", h + ".r0"} {
		st, err := os.Lstat(filepath.Join(dir, n))
		if err != nil || !st.Mode().IsRegular() {
			t.Fatalf("%s: got %v, %v; want a regular file", n, st, err)
		}
	}
	// Idempotent.
	again, err := Rehash(dir, RehashOptions{Copy: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Created != 0 || again.Removed != 0 {
		t.Errorf("second run: created %d, removed %d", again.Created, again.Removed)
	}
	// ca1.pem renewed in place: its old copy is stale and replaced.
	k := hxNewKey(t)
	renewed := hxCert(p.caName, p.caName, hxCertOpts{key: k, ca: true, serial: 300})
	hxWrite(t, dir, "ca1.pem", hxPEM("CERTIFICATE", renewed))
	res, err = Rehash(dir, RehashOptions{Copy: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, h+".0"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(hxPEM("CERTIFICATE", renewed)) {
		t.Errorf("%s.0 still holds the old certificate; events %q", h, hxEventLines(res))
	}
	// ca2.pem removed: its copy goes.
	if err := os.Remove(filepath.Join(dir, "ca2.pem")); err != nil {
		t.Fatal(err)
	}
	res, err = Rehash(dir, RehashOptions{Copy: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, h+".1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.1 still there after ca2.pem was removed; events %q", h, hxEventLines(res))
	}
	rep, err := ListCAPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if probs := rep.Problems(); len(probs) != 0 {
		t.Errorf("ListCAPath: %q", probs)
	}
	// DryRun changes nothing.
	hxWrite(t, dir, "ca2.pem", hxPEM("CERTIFICATE", p.ca2))
	before := hxListing(t, dir)
	res, err = Rehash(dir, RehashOptions{Copy: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	hxSameLines(t, "dry-run listing", hxListing(t, dir), before)
	if len(res.Events) == 0 || res.Created != 0 {
		t.Errorf("dry run: events %q, created %d", hxEventLines(res), res.Created)
	}
}

func TestRehashOverflowMatchesOpenSSL(t *testing.T) {
	openssl := pkitest.Tool(t, "openssl")
	name := hxCN(12, "crowded")
	k := hxNewKey(t)
	src := t.TempDir()
	for i := range MaxCAPathLinks + 2 {
		hxWrite(t, src, fmt.Sprintf("c%03d.pem", i), hxPEM("CERTIFICATE", hxCert(name, name, hxCertOpts{key: k, serial: int64(1000 + i)})))
	}
	theirs, ours := t.TempDir(), t.TempDir()
	hxCopyDir(t, src, theirs)
	hxCopyDir(t, src, ours)
	wantEvents, wantMsgs, wantStatus := hxOpenSSLRehash(t, openssl, theirs)
	res, err := Rehash(ours, RehashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hxSameLines(t, "events", hxEventLines(res), wantEvents)
	hxSameLines(t, "messages", hxPrefixed(res.Messages), wantMsgs)
	if res.Errors != wantStatus {
		t.Errorf("Errors = %d, openssl exit status %d", res.Errors, wantStatus)
	}
	hxSameLines(t, "listing", hxListing(t, ours), hxListing(t, theirs))
}

func TestAddToCAPath(t *testing.T) {
	p := hxNewVerifyPKI(t)
	in, dir := t.TempDir(), t.TempDir()
	k := hxNewKey(t)
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	bundle := hxWrite(t, in, "chain.pem", bytes.Join([][]byte{hxPEM("PRIVATE KEY", p8), hxPEM("CERTIFICATE", p.ca1), hxPEM("CERTIFICATE", p.ca2)}, nil))
	der := hxWrite(t, in, "root.der", p.ca1)
	crl := hxWrite(t, in, "ca1.crl", hxPEM("X509 CRL", p.crl1))
	crlDER := hxWrite(t, in, "ca2-crl.der", p.crl2)
	clash := hxWrite(t, dir, "chain-1.pem", []byte("someone else's file"))

	res, err := AddToCAPath(dir, []string{bundle, der, crl, crlDER}, RehashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range res.Added {
		got = append(got, fmt.Sprintf("%s %s %v", filepath.Base(a.Source), a.Name, a.Present))
	}
	want := []string{
		"chain.pem chain-1-2.pem false", // chain-1.pem is taken by another file
		"chain.pem chain-2.pem false",
		"root.der chain-1-2.pem true", // same certificate as the first
		"ca1.crl ca1.crl false",
		"ca2-crl.der ca2-crl.crl false",
	}
	hxSameLines(t, "added", got, want)
	if b, _ := os.ReadFile(clash); string(b) != "someone else's file" {
		t.Error("AddToCAPath overwrote an existing file")
	}
	written, err := os.ReadFile(filepath.Join(dir, "chain-1-2.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(written, []byte("PRIVATE KEY")) {
		t.Error("the private key of the input was copied into the CA folder")
	}
	h := hxHashOf(t, p.caName)
	hxSameLines(t, "events", hxEventLines(res), []string{
		"link chain-1-2.pem -> " + h + ".0", "link chain-2.pem -> " + h + ".1",
		"link ca1.crl -> " + h + ".r0", "link ca2-crl.crl -> " + h + ".r1"})
	// Errors leave the folder untouched.
	before := hxListing(t, dir)
	junk := hxWrite(t, in, "notes.pem", []byte("hello"))
	if _, err := AddToCAPath(dir, []string{crl, junk}, RehashOptions{}); !errors.Is(err, ErrNothingToAdd) {
		t.Errorf("got %v, want ErrNothingToAdd", err)
	}
	refused := hxWrite(t, in, "refused.pem", hxPEM("CERTIFICATE", hxCert(hxCN(26, "x"), hxCN(26, "x"), hxCertOpts{})))
	if _, err := AddToCAPath(dir, []string{refused}, RehashOptions{}); !errors.Is(err, ErrUnsupportedName) {
		t.Errorf("got %v, want ErrUnsupportedName", err)
	}
	if _, err := AddToCAPath(dir, []string{filepath.Join(in, "missing.pem")}, RehashOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want os.ErrNotExist", err)
	}
	hxSameLines(t, "listing after failures", hxListing(t, dir), before)
}

func TestListCAPathFindings(t *testing.T) {
	p := hxNewVerifyPKI(t)
	dir := t.TempDir()
	h := hxHashOf(t, p.caName)
	hu := hxHashOf(t, hxCN(12, "leaf one"))
	old := FormatHash(NameHashOld(p.caName))
	expiredName := hxCN(12, "expired CA")
	expired := hxCert(expiredName, expiredName, hxCertOpts{ca: true, notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)})
	hxMakeDir(t, dir, []hxEntry{
		{name: "ca1.pem", data: hxPEM("CERTIFICATE", p.ca1)},
		{name: "ca2.pem", data: hxPEM("CERTIFICATE", p.ca2)},
		{name: "copy.pem", data: hxPEM("CERTIFICATE", p.ca2)},
		{name: "unlinked.crt", data: hxPEM("CERTIFICATE", p.leaf2)},
		{name: "expired.pem", data: hxPEM("CERTIFICATE", expired)},
		{name: "ca.der", data: p.ca1},
		{name: "key.pem", data: hxPEM("EC PRIVATE KEY", mustEC(t))},
		{name: h + ".0", link: "ca1.pem"},
		{name: h + ".2", link: "ca2.pem"},                  // gap: .1 missing
		{name: hu + ".0", link: "ca1.pem"},                 // wrong name
		{name: old + ".0", link: "ca1.pem"},                // old hash
		{name: "0badbad0.0", link: "nowhere.pem"},          // dangling
		{name: "0badbad0.1", link: "ca1.pem"},              // still tried, but wrong name
		{name: "0badbad0.3", link: "ca2.pem"},              // hidden by the missing .2
		{name: strings.ToUpper(h) + ".0", link: "ca1.pem"}, // odd name
	})
	rep, err := ListCAPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	find := func(name, id string) bool {
		for _, e := range rep.Entries {
			if e.Name == name {
				for _, f := range e.Findings {
					if f.ID == id {
						return true
					}
				}
			}
		}
		return false
	}
	for _, c := range []struct{ name, id string }{
		{h + ".2", FindingGap},
		{hu + ".0", FindingWrongName},
		{old + ".0", FindingOldHash},
		{"0badbad0.0", FindingDangling},
		{"0badbad0.1", FindingWrongName},
		{"0badbad0.3", FindingGap},
		{strings.ToUpper(h) + ".0", FindingOddName},
		{"copy.pem", FindingDuplicate},
		{"unlinked.crt", FindingNotLinked},
		{"expired.pem", FindingExpired},
		{"ca.der", FindingNotLinked},
		{"key.pem", FindingNotCert},
	} {
		if !find(c.name, c.id) {
			t.Errorf("%s: no %s finding; report: %q", c.name, c.id, rep.Problems())
		}
	}
	if find(h+".0", FindingGap) || find("ca1.pem", FindingNotLinked) {
		t.Errorf("false positive: %q", rep.Problems())
	}
	// After rehash the folder is clean (except what rehash cannot fix).
	if _, err := Rehash(dir, RehashOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err = ListCAPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Entries {
		for _, f := range e.Findings {
			if f.Severity == "error" && e.Kind == "link" && f.ID != FindingOddName {
				t.Errorf("after rehash: %s: %s", e.Name, f.Text)
			}
		}
	}
}

func mustEC(t testing.TB) []byte {
	t.Helper()
	b, err := x509.MarshalECPrivateKey(hxNewKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hxGenCAFolder writes n certificates with distinct subjects (one key, so
// generation stays fast) into dir as cNNNNN.pem.
func hxGenCAFolder(b testing.TB, dir string, n int) {
	b.Helper()
	k := hxNewKey(b)
	issuer := hxCN(12, "bench issuer")
	for i := range n {
		subj := hxName(hxSet(hxAVA(hxOIDO, 12, "wsskit bench")), hxSet(hxAVA(hxOIDCN, 12, fmt.Sprintf("client %05d", i))))
		hxWrite(b, dir, fmt.Sprintf("c%05d.pem", i), hxPEM("CERTIFICATE", hxCert(subj, issuer, hxCertOpts{key: k, serial: int64(i + 1)})))
	}
}

// hxRemoveLinks deletes every symlink of dir.
func hxRemoveLinks(b testing.TB, dir string) {
	b.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		if e.Type()&os.ModeSymlink != 0 {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRehash10k rehashes a fresh folder of 10,000 certificates.
func BenchmarkRehash10k(b *testing.B) {
	dir := b.TempDir()
	hxGenCAFolder(b, dir, 10000)
	for b.Loop() {
		b.StopTimer()
		hxRemoveLinks(b, dir)
		b.StartTimer()
		res, err := Rehash(dir, RehashOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != 10000 {
			b.Fatalf("created %d links", res.Created)
		}
	}
}

// BenchmarkOpenSSLRehash10k is the peer measurement on the same files:
// openssl rehash on a fresh folder of 10,000 certificates, reporting its
// CPU time (user + system) as openssl-cpu-ms/op.
func BenchmarkOpenSSLRehash10k(b *testing.B) {
	openssl := pkitest.Tool(b, "openssl")
	dir := b.TempDir()
	hxGenCAFolder(b, dir, 10000)
	var cpu time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		hxRemoveLinks(b, dir)
		b.StartTimer()
		cmd := exec.Command(openssl, "rehash", dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		n++
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "openssl-cpu-ms/op")
}
