package commands

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"slices"
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
		&cli.StringFlag{Name: "max-tls", Usage: "highest TLS version to offer: 1.0, 1.1, 1.2 or 1.3 (default); 1.0 or 1.1 without --min-tls offers TLS 1.0 up to it"},
	}
}

// listenVersionFlags are the TLS version limits of the commands that
// accept connections (server, echo).
func listenVersionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "min-tls", Usage: "lowest TLS version to accept: 1.0, 1.1, 1.2 (default) or 1.3"},
		&cli.StringFlag{Name: "max-tls", Usage: "highest TLS version to accept (default 1.3); 1.0 or 1.1 without --min-tls accepts TLS 1.0 up to it"},
	}
}

// aeadSuites are the TLS 1.2 suites a listening command offers by default:
// ECDHE with AES-GCM or ChaCha20-Poly1305, for ECDSA and RSA certificates.
// Go's own default list adds AES-CBC with SHA-1, which testssl.sh reports
// as obsolete (LUCKY13). TLS 1.3 suites are all AEAD and not configurable.
var aeadSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// listenSuites returns the TLS 1.2 cipher suites for a listening command:
// the ones given (--ciphers), else AEAD only, unless TLS 1.0/1.1 are
// allowed (they have no AEAD suite), which gets Go's defaults. Anything
// below those defaults is reproducing an old peer, and says so.
func (e *Env) listenSuites(min uint16, given []uint16) []uint16 {
	if min != 0 && min < tls.VersionTLS12 {
		e.Warnf("--min-tls %s: TLS 1.0 and 1.1 are deprecated (RFC 8996) and allow CBC cipher suites; use it only to reproduce an old peer", versionFlagName(min))
	}
	if given != nil {
		for _, id := range given {
			if !slices.Contains(aeadSuites, id) {
				e.Warnf("--ciphers: %s is not an AEAD suite (obsolete or insecure); use it only to reproduce an old peer", tls.CipherSuiteName(id))
				break
			}
		}
		return given
	}
	if min != 0 && min < tls.VersionTLS12 {
		return nil
	}
	return aeadSuites
}

// versionFlagName names a TLS version as the flags spell it ("1.0").
func versionFlagName(v uint16) string {
	return strings.TrimPrefix(tls.VersionName(v), "TLS ")
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
