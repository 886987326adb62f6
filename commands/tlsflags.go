package commands

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
	"github.com/wsskit/wsskit/probe"
)

// TLS credentials and trust are spelled the same on every command
// (DESIGN.md): --cert F --key F or --pfx F with --passin; --capath D and/or
// --cafile F, plus --crl F.

func credentialFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "cert", Usage: "certificate chain file (PEM/DER; may also hold the key)", TakesFile: true},
		&cli.StringFlag{Name: "key", Usage: "private key for --cert (PEM/DER, encrypted or not)", TakesFile: true},
		&cli.StringFlag{Name: "pfx", Aliases: []string{"p12"}, Usage: "PKCS#12 file with key, certificate and chain (instead of --cert/--key)", TakesFile: true},
		passinFlag(),
	}
}

func trustFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "capath", Usage: "OpenSSL hashed CA folder (HASH.0 files; wsskit capath rehash makes one)", TakesFile: true},
		&cli.StringFlag{Name: "cafile", Usage: "file of trusted CA certificates (PEM bundle, DER or PFX)", TakesFile: true},
	}
}

// dialFlags are the TLS settings of the commands that connect (client,
// load, bridge): how to verify the server and which versions to offer.
func dialFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "insecure", Aliases: []string{"k"}, Usage: "go on when the server's certificate does not verify (the verdict is still shown)"},
		&cli.StringFlag{Name: "servername", Usage: "SNI and name to verify (default: the URL's host; an IP literal sends no SNI)"},
		&cli.StringFlag{Name: "min-tls", Usage: "lowest TLS version to offer: 1.0, 1.1, 1.2 (default) or 1.3"},
		&cli.StringFlag{Name: "max-tls", Usage: "highest TLS version to offer: 1.2 or 1.3 (default)"},
	}
}

// listenVersionFlags are the TLS version limits of the commands that
// accept connections (server, echo).
func listenVersionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "min-tls", Usage: "lowest TLS version to accept: 1.0, 1.1, 1.2 (default) or 1.3"},
		&cli.StringFlag{Name: "max-tls", Usage: "highest TLS version to accept (default 1.3)"},
	}
}

// timeoutFlag bounds each step of a network command; usage says which.
func timeoutFlag(usage string) cli.Flag {
	return &cli.DurationFlag{Name: "timeout", Value: probe.DefaultTimeout, Usage: usage}
}

func crlFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "crl", Usage: "certificate revocation list (PEM or DER; repeatable)", TakesFile: true}
}

// Credentials is a loaded --cert/--key or --pfx, with where it came from.
type Credentials struct {
	Certificate tls.Certificate
	Source      string // file names, for reports
}

// loadCredentials reads --cert/--key or --pfx. It returns nil, nil when
// none was given.
func (e *Env) loadCredentials(c *cli.Context) (*Credentials, error) {
	certPath, keyPath, pfxPath := c.String("cert"), c.String("key"), c.String("pfx")
	pass := c.String("passin")
	switch {
	case pfxPath != "" && (certPath != "" || keyPath != ""):
		return nil, usageErr("--pfx and --cert/--key are mutually exclusive")
	case keyPath != "" && certPath == "":
		return nil, usageErr("flag --key requires --cert")
	case pfxPath != "":
		b, err := e.loadBundle(pfxPath, pass)
		if err != nil {
			return nil, err
		}
		tc, err := pki.KeyPair(b.Certs, b.Keys)
		if err != nil {
			return nil, inputErr(pfxPath, err)
		}
		return &Credentials{Certificate: tc, Source: pfxPath}, nil
	case certPath != "":
		cb, err := e.loadBundle(certPath, pass)
		if err != nil {
			return nil, err
		}
		keys, src := cb.Keys, certPath
		if keyPath != "" {
			kb, err := e.loadKey(keyPath, pass)
			if err != nil {
				return nil, err
			}
			keys, src = kb.Keys, certPath+" + "+keyPath
		}
		if len(cb.Certs) == 0 {
			return nil, inputErr(certPath, fmt.Errorf("no certificate in it (it holds %s)", cb.Summary()))
		}
		tc, err := pki.KeyPair(cb.Certs, keys)
		if err != nil {
			if keyPath == "" && len(keys) == 0 {
				return nil, usageErr("%s holds no private key: give it with --key", certPath)
			}
			return nil, inputErr(keyPath, err)
		}
		return &Credentials{Certificate: tc, Source: src}, nil
	}
	return nil, nil
}

// Trust is a loaded --capath/--cafile (and --crl).
type Trust struct {
	Pool        *x509.CertPool
	Certs       []*x509.Certificate // from --cafile
	CAPath      string
	CRLs        []*x509.RevocationList
	Description string // "CA folder pki/ca + pki/ca.pem", for reports
}

// loadTrust reads --capath, --cafile and --crl (when the command has it).
// It returns nil, nil when neither --capath nor --cafile was given.
func (e *Env) loadTrust(c *cli.Context) (*Trust, error) {
	t := &Trust{Pool: x509.NewCertPool()}
	var desc []string
	if dir := c.String("capath"); dir != "" {
		for _, d := range strings.Split(dir, string(os.PathListSeparator)) {
			st, err := os.Stat(d)
			if err != nil {
				return nil, inputErr("", err)
			}
			if !st.IsDir() {
				return nil, usageErr("--capath %s is not a folder (did you mean --cafile?)", d)
			}
			certs, err := pki.CAPathCerts(d)
			if err != nil {
				return nil, inputErr(d, err)
			}
			for _, cert := range certs {
				t.Pool.AddCert(cert)
			}
		}
		t.CAPath = dir
		desc = append(desc, "CA folder "+dir)
	}
	if f := c.String("cafile"); f != "" {
		b, err := e.loadBundle(f, c.String("passin"))
		if err != nil {
			return nil, err
		}
		if len(b.Certs) == 0 {
			return nil, inputErr(f, fmt.Errorf("no certificate in it (it holds %s)", b.Summary()))
		}
		for _, cert := range b.Certs {
			t.Pool.AddCert(cert)
		}
		t.Certs = b.Certs
		desc = append(desc, "CA file "+f)
	}
	{
		for _, f := range c.StringSlice("crl") {
			b, err := e.loadBundle(f, "")
			if err != nil {
				return nil, err
			}
			if len(b.CRLs) == 0 {
				return nil, inputErr(f, fmt.Errorf("no CRL in it (it holds %s)", b.Summary()))
			}
			t.CRLs = append(t.CRLs, b.CRLs...)
		}
	}
	if len(desc) == 0 {
		return nil, nil
	}
	t.Description = strings.Join(desc, " + ")
	return t, nil
}
