package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"software.sslmate.com/src/go-pkcs12"
)

// pfxFiles writes the chain's leaf, key and CA certificates as PEM files for
// openssl and returns their paths.
func (c *pfxChain) files(t testing.TB, dir string) (leaf, key, chain string) {
	t.Helper()
	leaf = pkitest.WriteFile(t, dir, "leaf.pem", c.leaf.CertPEM())
	key = pkitest.WriteFile(t, dir, "leaf.key", c.leaf.KeyPEM())
	chain = pkitest.WriteFile(t, dir, "chain.pem", append(c.inter.CertPEM(), c.root.CertPEM()...))
	return leaf, key, chain
}

// opensslEquivalent is the `openssl pkcs12 -export` option set that writes
// the same algorithms as each PFXEncryption, and the -info option to read it.
var opensslEquivalent = map[PFXEncryption]struct{ export, read []string }{
	PFXCompat: {[]string{"-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"}, nil},
	PFXAES:    {nil, nil},
	PFXRC2:    {[]string{"-legacy"}, []string{"-legacy"}},
}

// runOpenSSL runs openssl and returns stdout and stderr separately.
func runOpenSSL(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(pkitest.Tool(t, "openssl"), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// TestPFXMatchesOpenSSL writes each form with EncodePFX and with openssl's
// equivalent options from the same key, certificates and name, and checks
// that `openssl pkcs12 -info -nodes` prints exactly the same for both (MAC,
// algorithms, iterations, salt length, bag attributes, key and
// certificates), that the ASN.1 layouts have the same shape, and that
// `openssl pkcs12 -nodes` recovers key, leaf and chain.
func TestPFXMatchesOpenSSL(t *testing.T) {
	pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	c := newPFXChain(t, testRSAKey(t))
	leaf, key, chain := c.files(t, dir)
	for enc, eq := range opensslEquivalent {
		t.Run(enc.String(), func(t *testing.T) {
			theirs := filepath.Join(dir, enc.String()+"-openssl.p12")
			openssl(t, append([]string{"pkcs12", "-export", "-in", leaf, "-inkey", key, "-certfile", chain,
				"-name", "server", "-passout", "pass:" + testPass, "-out", theirs}, eq.export...)...)
			der, err := EncodePFX(c.options(enc, "server", []byte(testPass)))
			if err != nil {
				t.Fatal(err)
			}
			ours := pkitest.WriteFile(t, dir, enc.String()+"-wsskit.p12", der)

			info := func(f string) (string, string) {
				o, e, err := runOpenSSL(t, append([]string{"pkcs12", "-info", "-nodes", "-in", f, "-passin", "pass:" + testPass}, eq.read...)...)
				if err != nil {
					t.Fatalf("openssl pkcs12 -info %s: %v\n%s", filepath.Base(f), err, e)
				}
				return o, e
			}
			wantOut, wantErr := info(theirs)
			gotOut, gotErr := info(ours)
			if gotErr != wantErr {
				t.Errorf("openssl -info (stderr) differs:\n--- wsskit\n%s--- openssl\n%s", gotErr, wantErr)
			}
			if gotOut != wantOut {
				t.Errorf("openssl -info -nodes (stdout) differs:\n--- wsskit\n%s--- openssl\n%s", gotOut, wantOut)
			}
			theirDER, _ := os.ReadFile(theirs)
			if gs, ws := asn1Shape(der), asn1Shape(theirDER); gs != ws {
				t.Errorf("ASN.1 layout differs:\n--- wsskit\n%s--- openssl\n%s", gs, ws)
			}

			// `openssl pkcs12 -nodes` recovers key, leaf and chain in order.
			blocks := pemBlocks(t, gotOut)
			var certs []*x509.Certificate
			var gotKey crypto.Signer
			for _, b := range blocks {
				switch b.Type {
				case "CERTIFICATE":
					cert, err := x509.ParseCertificate(b.Bytes)
					if err != nil {
						t.Fatal(err)
					}
					certs = append(certs, cert)
				case "PRIVATE KEY":
					if gotKey, err = ParsePrivateKeyDER(b.Bytes); err != nil {
						t.Fatal(err)
					}
				}
			}
			if gotKey == nil || !publicKeysEqual(gotKey.Public(), c.leaf.Key.Public()) {
				t.Errorf("openssl did not recover the key")
			}
			if len(certs) != 3 || !certs[0].Equal(c.leaf.Cert) || !certs[1].Equal(c.inter.Cert) || !certs[2].Equal(c.root.Cert) {
				t.Errorf("openssl recovered %d certificates, want leaf, intermediate, root", len(certs))
			}

			if enc == PFXRC2 {
				// OPENSSL-COMPAT.md section 4: without -legacy OpenSSL 3 fails
				// after the MAC line, naming RC2-40-CBC.
				_, e, err := runOpenSSL(t, "pkcs12", "-info", "-noout", "-in", ours, "-passin", "pass:"+testPass)
				if err == nil || !strings.Contains(e, "RC2-40-CBC") {
					t.Errorf("openssl without -legacy: err %v, stderr %q; want a failure naming RC2-40-CBC", err, e)
				}
			}
			_, e, err := runOpenSSL(t, append([]string{"pkcs12", "-info", "-noout", "-in", ours, "-passin", "pass:wrong"}, eq.read...)...)
			if err == nil || !strings.Contains(e, "Mac verify error") {
				t.Errorf("openssl with a wrong pass phrase: err %v, stderr %q", err, e)
			}
		})
	}
}

// TestPFXEmptyPasswordOpenSSL checks both directions for the empty pass
// phrase, which OpenSSL still encrypts and MACs.
func TestPFXEmptyPasswordOpenSSL(t *testing.T) {
	pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	c := newPFXChain(t, nil)
	for enc, eq := range opensslEquivalent {
		t.Run(enc.String(), func(t *testing.T) {
			der, err := EncodePFX(c.options(enc, "", nil))
			if err != nil {
				t.Fatal(err)
			}
			f := pkitest.WriteFile(t, dir, enc.String()+".p12", der)
			o, e, err := runOpenSSL(t, append([]string{"pkcs12", "-info", "-nodes", "-in", f, "-passin", "pass:"}, eq.read...)...)
			if err != nil || !strings.Contains(e, "MAC: ") || !strings.Contains(o, "BEGIN PRIVATE KEY") {
				t.Errorf("openssl -passin pass: on our file: %v\n%s", err, e)
			}
		})
	}
}

// TestPFXEmptyPasswordEncoding pins down which form of the empty pass phrase
// OpenSSL's MAC uses (the two-byte BMP NUL, not zero bytes) and checks that
// EncodePFX uses the same, so strict readers that try only one form agree.
func TestPFXEmptyPasswordEncoding(t *testing.T) {
	pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	c := newPFXChain(t, nil)
	leaf, key, _ := c.files(t, dir)
	f := filepath.Join(dir, "empty.p12")
	openssl(t, "pkcs12", "-export", "-in", leaf, "-inkey", key, "-passout", "pass:", "-out", f, "-macalg", "sha1")
	theirs, _ := os.ReadFile(f)
	ours, err := EncodePFX(c.options(PFXCompat, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, der := range map[string][]byte{"openssl": theirs, "wsskit": ours} {
		p := splitPFX(t, der)
		nul := pkcs12MAC(p.macHash, []byte{0, 0}, p.salt, p.iter, p.authSafe)
		none := pkcs12MAC(p.macHash, nil, p.salt, p.iter, p.authSafe)
		if !bytes.Equal(nul, p.digest) || bytes.Equal(none, p.digest) {
			t.Errorf("%s: MAC matches BMP NUL %v, zero-length %v; want only BMP NUL", name, bytes.Equal(nul, p.digest), bytes.Equal(none, p.digest))
		}
	}
}

// pemBlocks decodes every PEM block in s.
func pemBlocks(t testing.TB, s string) []*pem.Block {
	t.Helper()
	var out []*pem.Block
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return out
		}
		out = append(out, b)
	}
}

// asn1Shape prints the tag and length tree of a DER structure, descending
// into OCTET STRINGs that hold DER, and hiding the contents of every other
// primitive but OIDs and INTEGERs (salts, IVs and ciphertext are random).
func asn1Shape(der []byte) string {
	var sb strings.Builder
	var walk func(in cryptobyte.String, depth int)
	walk = func(in cryptobyte.String, depth int) {
		for !in.Empty() {
			var body cryptobyte.String
			var tag cbasn1.Tag
			if !in.ReadAnyASN1(&body, &tag) {
				fmt.Fprintf(&sb, "%s<malformed %d bytes>\n", strings.Repeat(" ", depth), len(in))
				return
			}
			fmt.Fprintf(&sb, "%s%02x len %d", strings.Repeat(" ", depth), uint8(tag), len(body))
			switch {
			case tag&0x20 != 0:
				sb.WriteString("\n")
				walk(body, depth+1)
			case tag == cbasn1.OCTET_STRING && isDERSequence(body):
				sb.WriteString(" (DER)\n")
				walk(body, depth+1)
			case tag == cbasn1.OBJECT_IDENTIFIER || tag == cbasn1.INTEGER || tag == cbasn1.Tag(30):
				fmt.Fprintf(&sb, " %x\n", []byte(body))
			default:
				sb.WriteString("\n")
			}
		}
	}
	walk(cryptobyte.String(der), 0)
	return sb.String()
}

// opensslInfoLines keeps the lines of `openssl pkcs12 -info` that describe
// the structure (not the bag attributes or PEM).
func opensslInfoLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		for _, p := range []string{"MAC:", "MAC length:", "PKCS7 Encrypted data:", "PKCS7 Data", "Certificate bag", "Shrouded Keybag:", "Key bag", "Warning: MAC is absent!"} {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return out
}

// infoLines renders a parsed PFX the way `openssl pkcs12 -info` describes
// its structure.
func infoLines(p *PFX) []string {
	var out []string
	if p.MAC == nil {
		out = append(out, "Warning: MAC is absent!")
	} else {
		out = append(out, fmt.Sprintf("MAC: %s, Iteration %d", p.MAC.Algorithm, p.MAC.Iterations),
			fmt.Sprintf("MAC length: %d, salt length: %d", p.MAC.Len, p.MAC.SaltLen))
	}
	for _, s := range p.Safes {
		if s.Encrypted {
			out = append(out, "PKCS7 Encrypted data: "+s.Algorithm)
		} else {
			out = append(out, "PKCS7 Data")
		}
		for _, b := range s.Bags {
			switch b.Type {
			case "certBag":
				out = append(out, "Certificate bag")
			case "pkcs8ShroudedKeyBag":
				out = append(out, "Shrouded Keybag: "+b.KeyAlgorithm)
			case "keyBag":
				out = append(out, "Key bag")
			}
		}
	}
	return out
}

// TestParsePFXFromOpenSSL reads files written by `openssl pkcs12 -export`
// with many option sets, compares the structure with what `openssl pkcs12
// -info` prints, checks key, leaf and chain, and cross-checks with
// go-pkcs12's DecodeChain.
func TestParsePFXFromOpenSSL(t *testing.T) {
	pkitest.Tool(t, "openssl")
	dir := t.TempDir()
	ec := newPFXChain(t, nil)
	rsaChain := newPFXChain(t, testRSAKey(t))
	legacy := []string{"-legacy"}
	tests := []struct {
		name    string
		chain   *pfxChain
		args    []string // after -export -in -inkey -passout
		read    []string // extra options for openssl -info
		pass    string
		noChain bool
		noKey   bool
		noCerts bool
		// goPKCS12 is why go-pkcs12 cannot read the file, "" if it can.
		goPKCS12 string
		// anyPass is true when nothing is encrypted or MACed.
		anyPass bool
		check   func(t *testing.T, p *PFX)
	}{
		{name: "default", chain: ec},
		{name: "default-rsa", chain: rsaChain},
		{name: "legacy", chain: ec, args: legacy, read: legacy},
		{name: "descert", chain: ec, args: []string{"-descert"}},
		{name: "compat-options", chain: rsaChain, args: opensslEquivalent[PFXCompat].export},
		{name: "nomac", chain: ec, args: []string{"-nomac"}, goPKCS12: "pkcs12: no MAC in data"},
		{name: "empty-password", chain: ec, pass: ""},
		{name: "certpbe-none", chain: ec, args: []string{"-certpbe", "NONE"}},
		{name: "no-encryption", chain: ec, args: []string{"-certpbe", "NONE", "-keypbe", "NONE"}},
		{name: "no-encryption-nomac", chain: ec, args: []string{"-certpbe", "NONE", "-keypbe", "NONE", "-nomac"}, anyPass: true,
			goPKCS12: "pkcs12: no MAC in data"},
		{name: "name", chain: ec, args: []string{"-name", "ünï name", "-caname", "int", "-caname", "root"}, check: func(t *testing.T, p *PFX) {
			names := []string{p.Safes[0].Bags[0].FriendlyName, p.Safes[0].Bags[1].FriendlyName, p.Safes[0].Bags[2].FriendlyName, p.Safes[1].Bags[0].FriendlyName}
			if !slices.Equal(names, []string{"ünï name", "int", "root", "ünï name"}) {
				t.Errorf("friendly names %q", names)
			}
		}},
		{name: "no-chain", chain: ec, noChain: true},
		{name: "macalg-sha512", chain: ec, args: []string{"-macalg", "sha512"}},
		{name: "macalg-sha384", chain: ec, args: []string{"-macalg", "sha384"}, goPKCS12: "MAC digest algorithm not supported"},
		{name: "iter-1000", chain: ec, args: []string{"-iter", "1000"}},
		{name: "noiter", chain: ec, args: []string{"-noiter"}},
		{name: "nomaciter", chain: ec, args: []string{"-nomaciter"}},
		{name: "pbes2-aes128-aes192", chain: ec, args: []string{"-keypbe", "AES-128-CBC", "-certpbe", "AES-192-CBC"}},
		{name: "pbes2-des3", chain: ec, args: []string{"-keypbe", "DES-EDE3-CBC", "-certpbe", "DES-EDE3-CBC"},
			goPKCS12: "pbes2 algorithm 1.2.840.113549.3.7 is not supported"},
		{name: "pkcs12-rc2-128-2des", chain: ec, args: append(legacy, "-keypbe", "PBE-SHA1-RC2-128", "-certpbe", "PBE-SHA1-2DES"), read: legacy,
			goPKCS12: "algorithm 1.2.840.113549.1.12.1.4 is not supported"},
		{name: "nocerts", chain: ec, args: []string{"-nocerts"}, noCerts: true, noChain: true, goPKCS12: "pkcs12: certificate missing"},
		{name: "nokeys", chain: ec, args: []string{"-nokeys"}, noKey: true, goPKCS12: "pkcs12: private key missing"},
		{name: "csp-keysig", chain: ec, args: []string{"-CSP", "Microsoft Enhanced Cryptographic Provider v1.0", "-keysig"}, check: func(t *testing.T, p *PFX) {
			attrs := p.Safes[1].Bags[0].Attributes
			var got []string
			for _, a := range attrs {
				got = append(got, a.Name+"="+a.Value)
			}
			// -keysig goes into the PKCS#8 attributes, not the bag's.
			want := []string{"Microsoft CSP Name=Microsoft Enhanced Cryptographic Provider v1.0"}
			if !slices.Equal(got, want) {
				t.Errorf("attributes %q, want %q", got, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pass := testPass
			if tt.name == "empty-password" {
				pass = tt.pass
			}
			sub := filepath.Join(dir, tt.name)
			if err := os.Mkdir(sub, 0o700); err != nil {
				t.Fatal(err)
			}
			leaf, key, chain := tt.chain.files(t, sub)
			f := filepath.Join(sub, "out.p12")
			args := []string{"pkcs12", "-export", "-in", leaf, "-inkey", key, "-passout", "pass:" + pass, "-out", f}
			if !tt.noChain {
				args = append(args, "-certfile", chain)
			}
			openssl(t, append(args, tt.args...)...)
			_, stderr, err := runOpenSSL(t, append([]string{"pkcs12", "-info", "-noout", "-in", f, "-passin", "pass:" + pass}, tt.read...)...)
			if err != nil {
				t.Fatalf("openssl -info: %v\n%s", err, stderr)
			}
			der, _ := os.ReadFile(f)
			var passArg []byte = []byte(pass)
			if pass == "" {
				passArg = nil
			}
			p, err := ParsePFX(der, passArg)
			if err != nil {
				t.Fatalf("ParsePFX: %v", err)
			}
			if got, want := infoLines(p), opensslInfoLines(stderr); !slices.Equal(got, want) {
				t.Errorf("structure differs from openssl -info:\n got %q\nwant %q", got, want)
			}
			wantChain := 2
			if tt.noChain {
				wantChain = 0
			}
			switch {
			case tt.noCerts:
				if p.Key == nil || p.Leaf != nil || len(p.Chain) != 0 {
					t.Errorf("-nocerts: key %v leaf %v chain %d", p.Key != nil, p.Leaf != nil, len(p.Chain))
				}
			case tt.noKey:
				if p.Key != nil || p.Leaf != nil || len(p.Chain) != 3 {
					t.Errorf("-nokeys: key %v leaf %v chain %d", p.Key != nil, p.Leaf != nil, len(p.Chain))
				}
			default:
				if p.Key == nil || !publicKeysEqual(p.Key.Public(), tt.chain.leaf.Key.Public()) || p.Leaf == nil ||
					!p.Leaf.Equal(tt.chain.leaf.Cert) || len(p.Chain) != wantChain {
					t.Fatalf("contents: key %v leaf %v chain %d", p.Key != nil, p.Leaf != nil, len(p.Chain))
				}
				if wantChain == 2 && (!p.Chain[0].Equal(tt.chain.inter.Cert) || !p.Chain[1].Equal(tt.chain.root.Cert)) {
					t.Errorf("chain order differs")
				}
			}
			if tt.check != nil {
				tt.check(t, p)
			}

			// go-pkcs12 cross-check.
			gk, gleaf, gchain, err := pkcs12.DecodeChain(der, pass)
			switch {
			case tt.goPKCS12 != "":
				if err == nil || !strings.Contains(err.Error(), tt.goPKCS12) {
					t.Errorf("go-pkcs12: got %v, want the documented failure %q", err, tt.goPKCS12)
				}
			case err != nil:
				t.Errorf("go-pkcs12 DecodeChain: %v", err)
			default:
				if !publicKeysEqual(gk.(crypto.Signer).Public(), p.Key.Public()) || !gleaf.Equal(p.Leaf) || len(gchain) != len(p.Chain) {
					t.Errorf("go-pkcs12 disagrees: chain %d vs %d", len(gchain), len(p.Chain))
				}
				for i := range gchain {
					if !gchain[i].Equal(p.Chain[i]) {
						t.Errorf("go-pkcs12 chain[%d] differs", i)
					}
				}
			}

			if !tt.anyPass {
				if _, err := ParsePFX(der, []byte("wrong")); !errors.Is(err, ErrIncorrectPassword) {
					t.Errorf("wrong pass phrase: got %v, want ErrIncorrectPassword", err)
				}
			}
		})
	}
}
