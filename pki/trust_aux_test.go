package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// trustedPEM is what `openssl x509 -trustout [-addtrust T] [-addreject R]`
// writes: the certificate followed by its X509_CERT_AUX.
func trustedPEM(t testing.TB, c *x509.Certificate, trust, reject []asn1.ObjectIdentifier) []byte {
	t.Helper()
	var aux []byte
	if trust != nil {
		b, err := asn1.Marshal(trust)
		if err != nil {
			t.Fatal(err)
		}
		aux = append(aux, b...)
	}
	if reject != nil {
		b, err := asn1.Marshal(reject)
		if err != nil {
			t.Fatal(err)
		}
		b[0] = 0xa0 // [0] IMPLICIT SEQUENCE OF
		aux = append(aux, b...)
	}
	seq, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: aux})
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "TRUSTED CERTIFICATE", Bytes: append(append([]byte(nil), c.Raw...), seq...)})
}

func oids(o ...asn1.ObjectIdentifier) []asn1.ObjectIdentifier { return o }

// TestVerifyTrustSettings checks that the trust settings of a TRUSTED
// CERTIFICATE in the CA file are honoured as by `openssl verify -CAfile`
// (OpenSSL 3.0): rejected uses give error 28 at the anchor, explicitly
// trusted uses make a non-self-signed CA an anchor. The wanted codes were
// measured with openssl 3.0 and are checked against it when it is present.
func TestVerifyTrustSettings(t *testing.T) {
	root := mkCert(t, certSpec{cn: "Root CA", ca: true}, nil)
	inter := mkCert(t, certSpec{cn: "Intermediate CA", ca: true}, root)
	server := mkCert(t, certSpec{cn: "server", dns: []string{"www.example.com"}, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, inter)
	client := mkCert(t, certSpec{cn: "client", ku: x509.KeyUsageDigitalSignature, eku: clientEKU}, inter)

	srv, cli, email, any := oidEKUServerAuth, oidEKUClientAuth, oidEKUEmail, oidEKUAny
	cases := []struct {
		name      string
		cafile    []byte
		untrusted bool // pass the intermediate with -untrusted
		leaf      *tcert
		purpose   string
		partial   bool
		want      []string // code@depth
	}{
		{name: "plain root", cafile: certsPEM(root.cert), untrusted: true, leaf: server, purpose: "sslserver"},
		{name: "empty trust settings", cafile: trustedPEM(t, root.cert, nil, nil), untrusted: true, leaf: server, purpose: "sslserver"},
		{name: "reject serverAuth for sslserver", cafile: trustedPEM(t, root.cert, nil, oids(srv)), untrusted: true, leaf: server, purpose: "sslserver", want: []string{"28@2"}},
		{name: "reject serverAuth without purpose", cafile: trustedPEM(t, root.cert, nil, oids(srv)), untrusted: true, leaf: server},
		{name: "reject serverAuth for ocsphelper (compat trust)", cafile: trustedPEM(t, root.cert, nil, oids(srv)), untrusted: true, leaf: server, purpose: "ocsphelper"},
		{name: "reject anyEKU without purpose", cafile: trustedPEM(t, root.cert, nil, oids(any)), untrusted: true, leaf: server, want: []string{"28@2"}},
		{name: "reject anyEKU for sslserver", cafile: trustedPEM(t, root.cert, nil, oids(any)), untrusted: true, leaf: server, purpose: "sslserver", want: []string{"28@2"}},
		{name: "trust clientAuth only, sslserver", cafile: trustedPEM(t, root.cert, oids(cli), nil), untrusted: true, leaf: server, purpose: "sslserver", want: []string{"28@2"}},
		{name: "trust clientAuth only, sslclient", cafile: trustedPEM(t, root.cert, oids(cli), nil), untrusted: true, leaf: client, purpose: "sslclient"},
		{name: "trust emailProtection, sslclient", cafile: trustedPEM(t, root.cert, oids(email), nil), untrusted: true, leaf: client, purpose: "sslclient", want: []string{"28@2"}},
		{name: "trust anyEKU and reject clientAuth, sslclient", cafile: trustedPEM(t, root.cert, oids(any), oids(cli)), untrusted: true, leaf: client, purpose: "sslclient", want: []string{"28@2"}},
		{name: "trust anyEKU and reject clientAuth, sslserver", cafile: trustedPEM(t, root.cert, oids(any), oids(cli)), untrusted: true, leaf: server, purpose: "sslserver"},
		{name: "intermediate trusted for serverAuth is an anchor", cafile: trustedPEM(t, inter.cert, oids(srv), nil), leaf: server, purpose: "sslserver"},
		{name: "intermediate trusted for serverAuth, no purpose", cafile: trustedPEM(t, inter.cert, oids(srv), nil), leaf: server, want: []string{"28@1"}},
		{name: "intermediate trusted for anyEKU, sslclient", cafile: trustedPEM(t, inter.cert, oids(any), nil), leaf: client, purpose: "sslclient"},
		{name: "leaf trusted, no partial chain", cafile: trustedPEM(t, server.cert, oids(srv), nil), leaf: server, purpose: "sslserver", want: []string{"20@0"}},
		{name: "leaf rejected, partial chain", cafile: trustedPEM(t, server.cert, nil, oids(srv)), leaf: server, purpose: "sslserver", partial: true, want: []string{"28@0"}},
		{name: "rejected copy first wins", cafile: append(trustedPEM(t, root.cert, nil, oids(srv)), certsPEM(root.cert)...), untrusted: true, leaf: server, purpose: "sslserver", want: []string{"28@2"}},
		{name: "plain copy first wins", cafile: append(certsPEM(root.cert), trustedPEM(t, root.cert, nil, oids(srv))...), untrusted: true, leaf: server, purpose: "sslserver"},
	}

	// The table runs without openssl; the cross-check needs it (and
	// pkitest.Tool fails instead of skipping under CI).
	openssl := ""
	if _, err := exec.LookPath("openssl"); err == nil || pkitest.InCI() {
		openssl = pkitest.Tool(t, "openssl")
	}
	codeRE := regexp.MustCompile(`(?m)^error (\d+) at (\d+) depth lookup`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Load(c.cafile, nil)
			if err != nil {
				t.Fatal(err)
			}
			opts := VerifyOptions{Roots: b.Certs, RootTrust: b.Trust, Purpose: c.purpose, PartialChain: c.partial, MaxDepth: -1}
			if c.untrusted {
				opts.Untrusted = []*x509.Certificate{inter.cert}
			}
			got := codesOf(linesOf(Verify(c.leaf.cert, opts)))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
			if openssl == "" {
				return
			}
			dir := t.TempDir()
			args := []string{"verify", "-no-CAfile", "-no-CApath", "-no-CAstore", "-CAfile", writeTestFile(t, dir, "ca.pem", c.cafile)}
			if c.untrusted {
				args = append(args, "-untrusted", writeTestFile(t, dir, "int.pem", certsPEM(inter.cert)))
			}
			if c.purpose != "" {
				args = append(args, "-purpose", c.purpose)
			}
			if c.partial {
				args = append(args, "-partial_chain")
			}
			args = append(args, writeTestFile(t, dir, "leaf.pem", certsPEM(c.leaf.cert)))
			out, _ := exec.Command(openssl, args...).CombinedOutput()
			var ossl []string
			for _, m := range codeRE.FindAllSubmatch(out, -1) {
				ossl = append(ossl, string(m[1])+"@"+string(m[2]))
			}
			if !reflect.DeepEqual(ossl, c.want) {
				t.Errorf("openssl verify %s: got %q, want %q\n%s", strings.Join(args[4:], " "), ossl, c.want, out)
			}
		})
	}
}

func TestParseTrustSettings(t *testing.T) {
	root := mkCert(t, certSpec{cn: "Root CA", ca: true}, nil)
	cases := []struct {
		name    string
		aux     []byte
		want    *TrustSettings
		wantErr bool
	}{
		{name: "empty", aux: []byte{0x30, 0x00}, want: &TrustSettings{}},
		{name: "trust and reject", aux: bytes.TrimPrefix(pemBytes(t, trustedPEM(t, root.cert, oids(oidEKUServerAuth), oids(oidEKUAny))), root.cert.Raw),
			want: &TrustSettings{Trust: oids(oidEKUServerAuth), Reject: oids(oidEKUAny)}},
		{name: "alias", aux: []byte{0x30, 0x05, 0x0c, 0x03, 'f', 'o', 'o'}, want: &TrustSettings{Alias: "foo"}},
		{name: "empty trust list", aux: []byte{0x30, 0x02, 0x30, 0x00}, want: &TrustSettings{Trust: []asn1.ObjectIdentifier{}}},
		{name: "not a sequence", aux: []byte{0x04, 0x00}, wantErr: true},
		{name: "bad OID", aux: []byte{0x30, 0x04, 0x30, 0x02, 0x02, 0x00}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseTrustSettings(c.aux)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, c.wantErr)
			}
			if !c.wantErr && !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	// Load refuses a TRUSTED CERTIFICATE whose trust settings are malformed,
	// as OpenSSL does.
	bad := pem.EncodeToMemory(&pem.Block{Type: "TRUSTED CERTIFICATE", Bytes: append(append([]byte(nil), root.cert.Raw...), 0x04, 0x00)})
	if _, err := Load(bad, nil); err == nil {
		t.Error("Load accepted malformed trust settings")
	}
}

func pemBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM")
	}
	return blk.Bytes
}
