package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"sync"
)

// InitOptions describes the test PKI of `wsskit pki init`.
type InitOptions struct {
	// IPs and DNS are the server certificate's SANs; at least one is needed.
	IPs []net.IP
	DNS []string
	// Clients is the number of client certificates (at least 1).
	Clients int
	KeyType KeyType
	// CAName is the CA's common name; empty means "wsskit test CA" plus a
	// random suffix, so that two test CAs never share a subject (and so a
	// subject hash) in one CA folder.
	CAName string
	// Organization goes into every subject as O=; empty means "wsskit test".
	Organization string
	// LeafDays and CADays default to DefaultLeafDays and DefaultCADays.
	LeafDays, CADays int
	Rand             io.Reader
}

// Issued is one certificate of a test PKI with its key.
type Issued struct {
	// Name is the file stem: "ca", "server", "client", "client-2", ...
	Name string
	Cert *x509.Certificate
	Key  crypto.Signer
}

// TestPKI is the whole test PKI: a CA, a server certificate and client
// certificates, all signed by the CA.
type TestPKI struct {
	CA      Issued
	Server  Issued
	Clients []Issued
}

// InitPKI makes a test PKI. Keys are generated in parallel.
func InitPKI(o InitOptions) (*TestPKI, error) {
	if len(o.IPs)+len(o.DNS) == 0 {
		return nil, ErrServerNeedsSAN
	}
	if o.Clients < 1 {
		o.Clients = 1
	}
	if o.KeyType.Algorithm == "" {
		o.KeyType = DefaultKeyType
	}
	rnd := o.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	org := o.Organization
	if org == "" {
		org = "wsskit test"
	}
	caName := o.CAName
	if caName == "" {
		suffix := make([]byte, 4)
		if _, err := io.ReadFull(rnd, suffix); err != nil {
			return nil, fmt.Errorf("pki: reading randomness: %w", err)
		}
		caName = "wsskit test CA " + hex.EncodeToString(suffix)
	}

	keys := make([]crypto.Signer, 2+o.Clients)
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = GenerateKey(o.KeyType, o.Rand)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("pki: generating %s key: %w", o.KeyType, err)
		}
	}

	subject := func(cn string) ([]byte, error) {
		der, _, err := ParseSubject(fmt.Sprintf("/O=%s/CN=%s", escapeOpenSSLValue(org), escapeOpenSSLValue(cn)))
		return der, err
	}
	caSubj, err := subject(caName)
	if err != nil {
		return nil, err
	}
	ca, err := Issue(CertRequest{Subject: caSubj, Profile: ProfileCA, PathLen: 0, Days: o.CADays,
		PublicKey: keys[0].Public(), SelfKey: keys[0], Rand: o.Rand})
	if err != nil {
		return nil, err
	}
	p := &TestPKI{CA: Issued{Name: "ca", Cert: ca, Key: keys[0]}}

	serverCN := "localhost"
	if len(o.IPs) > 0 {
		serverCN = o.IPs[0].String()
	} else if len(o.DNS) > 0 {
		serverCN = o.DNS[0]
	}
	srvSubj, err := subject(serverCN)
	if err != nil {
		return nil, err
	}
	srv, err := Issue(CertRequest{Subject: srvSubj, SANs: &SANs{IP: o.IPs, DNS: o.DNS}, Profile: ProfileServer,
		Days: o.LeafDays, PublicKey: keys[1].Public(), Issuer: ca, IssuerKey: keys[0], Rand: o.Rand})
	if err != nil {
		return nil, err
	}
	p.Server = Issued{Name: "server", Cert: srv, Key: keys[1]}

	for i := 0; i < o.Clients; i++ {
		name := "client"
		if i > 0 {
			name = fmt.Sprintf("client-%d", i+1)
		}
		subj, err := subject(name)
		if err != nil {
			return nil, err
		}
		c, err := Issue(CertRequest{Subject: subj, Profile: ProfileClient, Days: o.LeafDays,
			PublicKey: keys[2+i].Public(), Issuer: ca, IssuerKey: keys[0], Rand: o.Rand})
		if err != nil {
			return nil, err
		}
		p.Clients = append(p.Clients, Issued{Name: name, Cert: c, Key: keys[2+i]})
	}
	return p, nil
}

// escapeOpenSSLValue escapes '/', '+' and '\' for an OpenSSL-form subject.
func escapeOpenSSLValue(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '/' || s[i] == '+' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}
