package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"software.sslmate.com/src/go-pkcs12"
)

// pfxChain is a root CA, an intermediate and a server leaf.
type pfxChain struct {
	root, inter, leaf *pkitest.Cert
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testRSAKey returns one RSA-2048 key per test binary (generation is slow).
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

func newPFXChain(t testing.TB, leafKey crypto.Signer) *pfxChain {
	t.Helper()
	root := pkitest.Issue(t, pkitest.Template{CN: "wsskit test root", CA: true}, nil)
	inter := pkitest.Issue(t, pkitest.Template{CN: "wsskit test intermediate", CA: true}, root)
	leaf := pkitest.Issue(t, pkitest.Template{CN: "127.0.0.1", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, DNS: []string{"localhost"},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, Key: leafKey}, inter)
	return &pfxChain{root: root, inter: inter, leaf: leaf}
}

func (c *pfxChain) options(enc PFXEncryption, name string, pass []byte) PFXOptions {
	return PFXOptions{Key: c.leaf.Key, Cert: c.leaf.Cert, Chain: []*x509.Certificate{c.inter.Cert, c.root.Cert},
		FriendlyName: name, Password: pass, Encryption: enc}
}

type pfxExpect struct {
	mac, certAlg, keyAlg string
}

var pfxForms = map[PFXEncryption]pfxExpect{
	PFXCompat: {"sha1", "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048", "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"},
	PFXAES:    {"sha256", "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256", "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256"},
	PFXRC2:    {"sha1", "pbeWithSHA1And40BitRC2-CBC, Iteration 2048", "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"},
}

func TestEncodeParsePFXRoundTrip(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	keys := map[string]crypto.Signer{"p256": p256, "p384": p384, "ed25519": ed, "rsa": testRSAKey(t)}
	const name = "wsskit ünïcode 😀 server"
	for keyName, key := range keys {
		c := newPFXChain(t, key)
		for enc, want := range pfxForms {
			t.Run(keyName+"/"+enc.String(), func(t *testing.T) {
				der, err := EncodePFX(c.options(enc, name, []byte(testPass)))
				if err != nil {
					t.Fatal(err)
				}
				p, err := ParsePFX(der, []byte(testPass))
				if err != nil {
					t.Fatal(err)
				}
				checkPFX(t, p, c, name, want)

				// go-pkcs12 must agree on key, leaf and chain.
				gk, gleaf, gchain, err := pkcs12.DecodeChain(der, testPass)
				if err != nil {
					t.Fatalf("go-pkcs12 DecodeChain: %v", err)
				}
				if !publicKeysEqual(gk.(crypto.Signer).Public(), key.Public()) || !gleaf.Equal(c.leaf.Cert) ||
					len(gchain) != 2 || !gchain[0].Equal(c.inter.Cert) || !gchain[1].Equal(c.root.Cert) {
					t.Errorf("go-pkcs12 read different contents")
				}
			})
		}
	}
}

func checkPFX(t *testing.T, p *PFX, c *pfxChain, name string, want pfxExpect) {
	t.Helper()
	if p.MAC == nil || p.MAC.Algorithm != want.mac || p.MAC.Iterations != 2048 || p.MAC.SaltLen != 8 {
		t.Errorf("MAC = %+v, want %s, 2048 iterations, 8-byte salt", p.MAC, want.mac)
	}
	if len(p.Safes) != 2 {
		t.Fatalf("got %d safes, want 2", len(p.Safes))
	}
	certs, keys := p.Safes[0], p.Safes[1]
	if !certs.Encrypted || certs.Algorithm != want.certAlg {
		t.Errorf("certificate safe: encrypted %v, %q, want %q", certs.Encrypted, certs.Algorithm, want.certAlg)
	}
	if keys.Encrypted || keys.Algorithm != "" {
		t.Errorf("key safe: encrypted %v, %q, want plain data", keys.Encrypted, keys.Algorithm)
	}
	id := sha1.Sum(c.leaf.Cert.Raw)
	if len(certs.Bags) != 3 {
		t.Fatalf("got %d certificate bags, want 3", len(certs.Bags))
	}
	for i, wantCert := range []*x509.Certificate{c.leaf.Cert, c.inter.Cert, c.root.Cert} {
		b := certs.Bags[i]
		if b.Type != "certBag" || !b.Cert.Equal(wantCert) || !bytes.Equal(b.CertDER, wantCert.Raw) {
			t.Errorf("certificate bag %d: type %q, subject %v", i, b.Type, b.Cert.Subject)
		}
		wantName, wantID := "", []byte(nil)
		if i == 0 {
			wantName, wantID = name, id[:]
		}
		if b.FriendlyName != wantName || !bytes.Equal(b.LocalKeyID, wantID) || len(b.Attributes) != 0 {
			t.Errorf("certificate bag %d: friendlyName %q localKeyID %x others %v, want %q %x", i, b.FriendlyName, b.LocalKeyID, b.Attributes, wantName, wantID)
		}
	}
	if len(keys.Bags) != 1 {
		t.Fatalf("got %d key bags, want 1", len(keys.Bags))
	}
	kb := keys.Bags[0]
	if kb.Type != "pkcs8ShroudedKeyBag" || kb.KeyAlgorithm != want.keyAlg || kb.FriendlyName != name || !bytes.Equal(kb.LocalKeyID, id[:]) {
		t.Errorf("key bag: %q %q %q %x", kb.Type, kb.KeyAlgorithm, kb.FriendlyName, kb.LocalKeyID)
	}
	if p.Key == nil || !publicKeysEqual(p.Key.Public(), c.leaf.Key.Public()) {
		t.Errorf("Key does not match the leaf key")
	}
	if p.Leaf == nil || !p.Leaf.Equal(c.leaf.Cert) {
		t.Errorf("Leaf is not the leaf")
	}
	if len(p.Chain) != 2 || !p.Chain[0].Equal(c.inter.Cert) || !p.Chain[1].Equal(c.root.Cert) {
		t.Errorf("Chain = %d certificates, want intermediate then root", len(p.Chain))
	}
}

func TestParsePFXPasswords(t *testing.T) {
	c := newPFXChain(t, nil)
	for enc := range pfxForms {
		t.Run(enc.String(), func(t *testing.T) {
			der, err := EncodePFX(c.options(enc, "", []byte(testPass)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParsePFX(der, []byte("wrong"))
			if !errors.Is(err, ErrIncorrectPassword) || !errors.Is(err, pkcs12.ErrIncorrectPassword) {
				t.Errorf("wrong pass phrase: got %v, want ErrIncorrectPassword", err)
			}
			if err == nil || !strings.Contains(err.Error(), "verifying the PKCS#12 MAC") || !strings.Contains(err.Error(), "incorrect pass phrase") {
				t.Errorf("wrong pass phrase: got %v, want it to name the MAC", err)
			}
			if _, err := ParsePFX(der, nil); !errors.Is(err, ErrPasswordRequired) || errors.Is(err, ErrIncorrectPassword) {
				t.Errorf("no pass phrase: got %v, want ErrPasswordRequired only", err)
			}
			if _, err := ParsePFX(der, []byte{}); !errors.Is(err, ErrIncorrectPassword) {
				t.Errorf("empty pass phrase: got %v, want ErrIncorrectPassword", err)
			}
		})
	}
}

func TestEncodePFXEmptyPassword(t *testing.T) {
	c := newPFXChain(t, nil)
	for enc := range pfxForms {
		t.Run(enc.String(), func(t *testing.T) {
			der, err := EncodePFX(c.options(enc, "", nil))
			if err != nil {
				t.Fatal(err)
			}
			for _, pass := range [][]byte{nil, {}} {
				p, err := ParsePFX(der, pass)
				if err != nil {
					t.Fatalf("ParsePFX(%q): %v", pass, err)
				}
				if p.MAC == nil || !p.Safes[0].Encrypted || p.Leaf == nil {
					t.Errorf("empty pass phrase: want MAC and encryption, got %+v", p)
				}
			}
			if _, _, _, err := pkcs12.DecodeChain(der, ""); err != nil {
				t.Errorf("go-pkcs12 with empty pass phrase: %v", err)
			}
			if _, err := ParsePFX(der, []byte("x")); !errors.Is(err, ErrIncorrectPassword) {
				t.Errorf("got %v, want ErrIncorrectPassword", err)
			}
		})
	}
}

func TestEncodePFXOptions(t *testing.T) {
	c := newPFXChain(t, nil)
	t.Run("iterations", func(t *testing.T) {
		o := c.options(PFXAES, "", []byte("x"))
		o.Iterations = 1000
		der, err := EncodePFX(o)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParsePFX(der, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if p.MAC.Iterations != 1000 || !strings.Contains(p.Safes[0].Algorithm, "Iteration 1000") ||
			!strings.Contains(p.Safes[1].Bags[0].KeyAlgorithm, "Iteration 1000") {
			t.Errorf("iterations not applied: %+v %q", p.MAC, p.Safes[0].Algorithm)
		}
	})
	t.Run("deterministic rand", func(t *testing.T) {
		enc := func() []byte {
			o := c.options(PFXCompat, "n", []byte("x"))
			o.Rand = mrand.NewChaCha8([32]byte{1})
			der, err := EncodePFX(o)
			if err != nil {
				t.Fatal(err)
			}
			return der
		}
		if !bytes.Equal(enc(), enc()) {
			t.Errorf("same Rand gave different output")
		}
	})
	t.Run("no chain, no name", func(t *testing.T) {
		der, err := EncodePFX(PFXOptions{Key: c.leaf.Key, Cert: c.leaf.Cert, Password: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParsePFX(der, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Chain) != 0 || p.Leaf == nil || p.Safes[0].Bags[0].FriendlyName != "" {
			t.Errorf("got chain %d leaf %v", len(p.Chain), p.Leaf != nil)
		}
	})
}

func TestEncodePFXErrors(t *testing.T) {
	c := newPFXChain(t, nil)
	other := pkitest.Issue(t, pkitest.Template{CN: "other"}, nil)
	tests := []struct {
		name    string
		o       PFXOptions
		wantErr string
		is      error
	}{
		{"no key", PFXOptions{Cert: c.leaf.Cert}, "needs both a private key and a certificate", nil},
		{"no cert", PFXOptions{Key: c.leaf.Key}, "needs both a private key and a certificate", nil},
		{"mismatch", PFXOptions{Key: other.Key, Cert: c.leaf.Cert}, "does not belong to the certificate CN=127.0.0.1", nil},
		{"bad encryption", PFXOptions{Key: c.leaf.Key, Cert: c.leaf.Cert, Encryption: 7}, "unknown encryption", nil},
		{"bad name", PFXOptions{Key: c.leaf.Key, Cert: c.leaf.Cert, FriendlyName: "\xff"}, "not valid UTF-8", nil},
		{"bad iterations", PFXOptions{Key: c.leaf.Key, Cert: c.leaf.Cert, Iterations: -1}, "not positive", nil},
		{"failing rand", PFXOptions{Key: c.leaf.Key, Cert: c.leaf.Cert, Rand: failingReader{}}, "reading random", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodePFX(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "pki: ") {
				t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want errors.Is %v", err, tt.is)
			}
			var me *MismatchError
			if tt.name == "mismatch" && !errors.As(err, &me) {
				t.Errorf("got %T, want *MismatchError", err)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestParsePFXEncryption(t *testing.T) {
	tests := []struct {
		in      string
		want    PFXEncryption
		wantErr bool
	}{
		{"compat", PFXCompat, false},
		{"AES", PFXAES, false},
		{" rc2 ", PFXRC2, false},
		{"", 0, true},
		{"des", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePFXEncryption(tt.in)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "want compat, aes or rc2") {
					t.Errorf("got %v, want an error", err)
				}
				return
			}
			if err != nil || got != tt.want || got.String() != strings.ToLower(strings.TrimSpace(tt.in)) {
				t.Errorf("got %v, %v, want %v", got, err, tt.want)
			}
		})
	}
	readers := map[PFXEncryption][]string{
		PFXCompat: {"every reader tested", "Node.js", "Mono"},
		PFXAES:    {"not in Mono", "Windows Server 2016", "--encryption compat"},
		PFXRC2:    {"not in Node.js 20", "OpenSSL 3", "--encryption compat"},
	}
	for enc, words := range readers {
		for _, w := range words {
			if !strings.Contains(enc.Readers(), w) {
				t.Errorf("%v.Readers() = %q, want it to mention %q", enc, enc.Readers(), w)
			}
		}
	}
}

// TestParsePFXFromGoPKCS12 reads what every go-pkcs12 encoder writes,
// including PBMAC1 (Modern2026) and the password-less form.
func TestParsePFXFromGoPKCS12(t *testing.T) {
	c := newPFXChain(t, nil)
	tests := []struct {
		name    string
		enc     *pkcs12.Encoder
		pass    string
		mac     string
		certAlg string
	}{
		{"LegacyRC2", pkcs12.LegacyRC2, testPass, "sha1", "pbeWithSHA1And40BitRC2-CBC, Iteration 2048"},
		{"LegacyDES", pkcs12.LegacyDES, testPass, "sha1", "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"},
		{"Modern2023", pkcs12.Modern2023, testPass, "sha256", "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256"},
		{"Modern2026", pkcs12.Modern2026, testPass, "PBMAC1, PBKDF2, PRF hmacWithSHA256, HMAC hmacWithSHA256", "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256"},
		{"Passwordless", pkcs12.Passwordless, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der, err := tt.enc.Encode(c.leaf.Key, c.leaf.Cert, []*x509.Certificate{c.inter.Cert, c.root.Cert}, tt.pass)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePFX(der, []byte(tt.pass))
			if err != nil {
				t.Fatal(err)
			}
			gotMAC := ""
			if p.MAC != nil {
				gotMAC = p.MAC.Algorithm
			}
			if gotMAC != tt.mac || p.Safes[0].Algorithm != tt.certAlg {
				t.Errorf("got MAC %q certs %q, want %q %q", gotMAC, p.Safes[0].Algorithm, tt.mac, tt.certAlg)
			}
			if p.Leaf == nil || !p.Leaf.Equal(c.leaf.Cert) || len(p.Chain) != 2 || !publicKeysEqual(p.Key.Public(), c.leaf.Key.Public()) {
				t.Errorf("contents differ")
			}
			if tt.pass != "" {
				if _, err := ParsePFX(der, []byte("wrong")); !errors.Is(err, ErrIncorrectPassword) {
					t.Errorf("wrong pass phrase: got %v", err)
				}
			}
		})
	}
}

func TestEncodeTrustStorePFX(t *testing.T) {
	c := newPFXChain(t, nil)
	der, err := EncodeTrustStorePFX([]*x509.Certificate{c.root.Cert, c.inter.Cert}, []byte("changeit"))
	if err != nil {
		t.Fatal(err)
	}
	certs, err := pkcs12.DecodeTrustStore(der, "changeit")
	if err != nil || len(certs) != 2 {
		t.Fatalf("DecodeTrustStore: %d, %v", len(certs), err)
	}
	p, err := ParsePFX(der, []byte("changeit"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Key != nil || p.Leaf != nil || len(p.Chain) != 2 || p.MAC == nil || p.MAC.Iterations != 2048 {
		t.Errorf("got key %v leaf %v chain %d MAC %+v", p.Key != nil, p.Leaf != nil, len(p.Chain), p.MAC)
	}
	b := p.Safes[0].Bags[0]
	if len(b.Attributes) != 1 || b.Attributes[0].Name != "Java trusted key usage" || b.Attributes[0].Value != "2.5.29.37.0" ||
		b.FriendlyName == "" {
		t.Errorf("trust bag attributes: %+v friendlyName %q", b.Attributes, b.FriendlyName)
	}
	if _, err := EncodeTrustStorePFX(nil, nil); err == nil {
		t.Errorf("empty trust store: want an error")
	}
}

// TestParsePFXBER converts a PFX to BER the way Windows and Java exports
// may look (indefinite lengths everywhere, OCTET STRINGs and the
// encryptedContent split into segments), recomputes the MAC over the BER
// AuthenticatedSafe, and checks that ParsePFX reads the same contents.
func TestParsePFXBER(t *testing.T) {
	c := newPFXChain(t, nil)
	for enc, want := range pfxForms {
		t.Run(enc.String(), func(t *testing.T) {
			der, err := EncodePFX(c.options(enc, "ber", []byte(testPass)))
			if err != nil {
				t.Fatal(err)
			}
			ber := pfxToBER(t, der, []byte(testPass))
			if bytes.Equal(ber, der) {
				t.Fatal("BER conversion changed nothing")
			}
			p, err := ParsePFX(ber, []byte(testPass))
			if err != nil {
				t.Fatal(err)
			}
			checkPFX(t, p, c, "ber", want)
			if _, err := ParsePFX(ber, []byte("wrong")); !errors.Is(err, ErrIncorrectPassword) {
				t.Errorf("wrong pass phrase: got %v", err)
			}
		})
	}
}

// pfxParts are the pieces of a DER PFX the BER rewrite and MAC tests need.
type pfxParts struct {
	version              int
	ctype                []byte // the authSafe content type OID element
	authSafe             []byte // the MAC input
	macAlg, digest, salt []byte
	iter                 int
	macHash              func() hash.Hash
}

func splitPFX(t testing.TB, der []byte) *pfxParts {
	t.Helper()
	in := cryptobyte.String(der)
	var pdu, ci, md, di, oidElem, algElem cryptobyte.String
	p := &pfxParts{}
	if !in.ReadASN1(&pdu, cbasn1.SEQUENCE) || !pdu.ReadASN1Integer(&p.version) || !pdu.ReadASN1(&ci, cbasn1.SEQUENCE) ||
		!ci.ReadASN1Element(&oidElem, cbasn1.OBJECT_IDENTIFIER) {
		t.Fatal("bad PFX")
	}
	p.ctype = oidElem
	var err error
	if p.authSafe, err = readExplicitOctetString(&ci); err != nil {
		t.Fatal(err)
	}
	if !pdu.ReadASN1(&md, cbasn1.SEQUENCE) || !md.ReadASN1(&di, cbasn1.SEQUENCE) || !di.ReadASN1Element(&algElem, cbasn1.SEQUENCE) ||
		!di.ReadASN1Bytes(&p.digest, cbasn1.OCTET_STRING) || !md.ReadASN1Bytes(&p.salt, cbasn1.OCTET_STRING) || !md.ReadASN1Integer(&p.iter) {
		t.Fatal("bad MacData")
	}
	p.macAlg = algElem
	switch len(p.digest) {
	case 20:
		p.macHash = sha1.New
	case 32:
		p.macHash = sha256.New
	default:
		t.Fatalf("unexpected MAC length %d", len(p.digest))
	}
	return p
}

// pfxToBER rewrites a DER PFX as BER and recomputes its MAC.
func pfxToBER(t testing.TB, der, pass []byte) []byte {
	t.Helper()
	p := splitPFX(t, der)
	berAuth := derToBER(t, p.authSafe, true)
	mac := pkcs12MAC(p.macHash, pkcs12BMPPassword(pass), p.salt, p.iter, berAuth)

	out := []byte{0x30, 0x80}
	out = append(out, 0x02, 0x01, byte(p.version))
	out = append(out, 0x30, 0x80)
	out = append(out, p.ctype...)
	out = append(out, 0xa0, 0x80)
	out = append(out, berOctets(berAuth)...)
	out = append(out, 0, 0, 0, 0)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(p.macAlg)
			b.AddASN1OctetString(mac)
		})
		b.AddASN1OctetString(p.salt)
		b.AddASN1Int64(int64(p.iter))
	})
	out = append(out, b.BytesOrPanic()...)
	return append(out, 0, 0)
}

// derToBER rewrites every constructed element with an indefinite length and
// splits OCTET STRINGs into 16-byte segments; with deep, OCTET STRINGs that
// hold a SEQUENCE are converted inside too, and the encryptedContent [0]
// IMPLICIT OCTET STRING becomes constructed.
func derToBER(t testing.TB, der []byte, deep bool) []byte {
	t.Helper()
	var out []byte
	in := cryptobyte.String(der)
	for !in.Empty() {
		var elem, body cryptobyte.String
		var tag cbasn1.Tag
		if !in.ReadAnyASN1Element(&elem, &tag) {
			t.Fatalf("derToBER: malformed input")
		}
		body = elem
		if !body.ReadAnyASN1(&body, &tag) {
			t.Fatal("derToBER: malformed element")
		}
		switch {
		case tag&0x20 != 0:
			out = append(out, byte(tag), 0x80)
			out = append(out, derToBER(t, body, deep)...)
			out = append(out, 0, 0)
		case tag == cbasn1.OCTET_STRING:
			content := []byte(body)
			// Only the PKCS#12 containers (AuthenticatedSafe, SafeContents:
			// SEQUENCE OF SEQUENCE) become BER inside; certificates and key
			// structures stay DER, as every writer keeps them.
			if deep && isBERContainer(content) {
				content = derToBER(t, content, deep)
			}
			out = append(out, berOctets(content)...)
		case tag == cbasn1.Tag(0).ContextSpecific() && len(body) > 0:
			// encryptedContent [0] IMPLICIT OCTET STRING, constructed.
			out = append(out, 0xa0, 0x80)
			for i := 0; i < len(body); i += 16 {
				seg := body[i:min(i+16, len(body))]
				out = append(out, 0x04, byte(len(seg)))
				out = append(out, seg...)
			}
			out = append(out, 0, 0)
		default:
			out = append(out, elem...)
		}
	}
	return out
}

func isBERContainer(b []byte) bool {
	in := cryptobyte.String(b)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !seq.PeekASN1Tag(cbasn1.SEQUENCE) {
		return false
	}
	_, err := x509.ParseCertificate(b)
	return err != nil
}

// berOctets writes a constructed, indefinite-length OCTET STRING of 16-byte
// segments.
func berOctets(content []byte) []byte {
	out := []byte{0x24, 0x80}
	for i := 0; i < len(content); i += 16 {
		seg := content[i:min(i+16, len(content))]
		out = append(out, 0x04, byte(len(seg)))
		out = append(out, seg...)
	}
	return append(out, 0, 0)
}

func TestBERToDER(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        string
	}{
		{"der unchanged", "3006020101020102", "3006020101020102", ""},
		{"indefinite sequence", "30800201010000", "3003020101", ""},
		{"long-form length", "3081030201 01", "3003020101", ""},
		{"constructed octet string", "2480040261620401630000", "0403616263", ""},
		{"nested constructed string", "248024800401610000040162 0000", "04026162", ""},
		{"context constructed kept", "a0800401610000", "a003040161", ""},
		{"trailing data", "050000", "", "trailing"},
		{"truncated", "3005020101", "", "truncated"},
		{"indefinite primitive", "04800000", "", "indefinite length on a primitive"},
		{"missing eoc", "30800201 01", "", "missing end-of-contents"},
		{"mixed segments", "24800c01610000", "", "another type"},
		{"constructed bit string", "2380030200610000", "", "BIT STRING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := berToDER(mustHex(t, strings.ReplaceAll(tt.in, " ", "")))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got %x, %v, want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || hexString(got) != tt.want {
				t.Errorf("got %x, %v, want %s", got, err, tt.want)
			}
		})
	}
	// Deep nesting is refused rather than overflowing the stack.
	deep := bytes.Repeat([]byte{0x30, 0x80}, 100)
	if _, err := berToDER(deep); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep nesting: got %v", err)
	}
}

func hexString(b []byte) string { return new(big.Int).SetBytes(append([]byte{1}, b...)).Text(16)[1:] }

func TestParsePFXGarbage(t *testing.T) {
	c := newPFXChain(t, nil)
	der, err := EncodePFX(c.options(PFXCompat, "", []byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := x509.MarshalPKCS8PrivateKey(c.leaf.Key)
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"empty", nil, "not a PKCS#12 file"},
		{"text", []byte("-----BEGIN CERTIFICATE-----\n"), "not a PKCS#12 file"},
		{"truncated", der[:len(der)/2], "not a PKCS#12 file"},
		{"certificate", c.leaf.Cert.Raw, "PKCS#12"},
		{"pkcs8 key", key, "PKCS#12"},
		{"flipped MAC byte", flipLast(der), "incorrect pass phrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePFX(tt.data, []byte("x"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "pki: ") {
				t.Errorf("got %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

// flipLast changes the last byte of the MAC's... iteration count would be
// caught differently, so flip a byte inside the MAC digest instead.
func flipLast(der []byte) []byte {
	out := append([]byte(nil), der...)
	// MacData ends with OCTET STRING salt (8) and INTEGER 2048 (4 bytes:
	// 02 02 08 00); the digest ends just before the salt's 2-byte header.
	out[len(out)-4-10-1] ^= 0xff
	return out
}

func TestPFXFormAndDescribe(t *testing.T) {
	c := newPFXChain(t, nil)
	for enc := range pfxForms {
		t.Run(enc.String(), func(t *testing.T) {
			o := c.options(enc, "srv", []byte("x"))
			o.Iterations = 100 // the form ignores iteration counts
			der, err := EncodePFX(o)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePFX(der, []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			if f, ok := p.Form(); !ok || f != enc {
				t.Errorf("Form() = %v, %v, want %v", f, ok, enc)
			}
			d := DescribePFX(p)
			if d.Form != enc.String() || d.Readers != enc.Readers() || d.MAC.Iterations != 100 || d.MAC.SaltLength != 8 ||
				d.Leaf != "CN=127.0.0.1" || d.LeafMatch != "public key" || len(d.Safes) != 2 {
				t.Errorf("DescribePFX: %+v", d)
			}
			leafBag := d.Safes[0].Bags[0]
			id := sha1.Sum(c.leaf.Cert.Raw)
			if !leafBag.IsLeaf || leafBag.FriendlyName != "srv" || leafBag.LocalKeyID != hex.EncodeToString(id[:]) || leafBag.SHA256 == "" {
				t.Errorf("leaf bag: %+v", leafBag)
			}
			if d.Safes[0].Bags[1].IsLeaf || d.Safes[1].Bags[0].KeyType != "ec:P-256" || d.Safes[1].Bags[0].KeyEncryption == "" {
				t.Errorf("other bags: %+v", d.Safes)
			}
		})
	}
	// go-pkcs12's Modern2023 is the aes form with 16-byte salts; its
	// LegacyDES is compat with one MAC iteration; Passwordless is no form.
	for name, want := range map[string]struct {
		enc  *pkcs12.Encoder
		pass string
		form string
	}{
		"Modern2023":   {pkcs12.Modern2023, "x", "aes"},
		"LegacyDES":    {pkcs12.LegacyDES, "x", "compat"},
		"Passwordless": {pkcs12.Passwordless, "", ""},
	} {
		der, err := want.enc.Encode(c.leaf.Key, c.leaf.Cert, nil, want.pass)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParsePFX(der, []byte(want.pass))
		if err != nil {
			t.Fatal(err)
		}
		if d := DescribePFX(p); d.Form != want.form {
			t.Errorf("%s: form %q, want %q", name, d.Form, want.form)
		}
	}
}
