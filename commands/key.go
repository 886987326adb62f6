package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func keyCommand() *cli.Command {
	return &cli.Command{
		Name:     "key",
		Category: catPKI,
		Usage:    "make private keys [openssl genpkey, genrsa]",
		Subcommands: []*cli.Command{{
			Name:      "new",
			Usage:     "generate a private key (PKCS#8 PEM; encrypted with --passout)",
			UsageText: "wsskit key new [--type T] [--out F] [--passout SRC] [--force]",
			Description: example(
				"wsskit key new --out client.key                       # ECDSA P-256, 0600",
				"wsskit key new --type rsa:2048 --out client.key       # [openssl genrsa -out client.key 2048]",
				"wsskit key new --type ed25519 --passout env:KEYPASS --out k.pem   # encrypted PKCS#8 (AES-256)",
			),
			Flags: []cli.Flag{keyTypeFlag("type"), outFlag("write the key here (mode 0600) instead of stdout"), keyPassoutFlag(), forceFlag(), jsonFlag()},
			Action: func(c *cli.Context) error {
				e := envOf(c)
				if err := noArgs(c); err != nil {
					return err
				}
				kt, err := pki.ParseKeyType(c.String("type"))
				if err != nil {
					return usageErr("--type: %w", err)
				}
				out := c.String("out")
				if out != "" {
					if err := checkNotExist(out, c.Bool("force")); err != nil {
						return err
					}
				}
				var pass []byte
				if c.IsSet("passout") {
					if pass, err = e.readPassSource(c.String("passout")); err != nil {
						return usageErr("--passout: %w", err)
					}
				}
				key, err := pki.GenerateKey(kt, nil)
				if err != nil {
					return err
				}
				pemBytes, err := pki.EncodeKeyPEM(key, pass, nil)
				if err != nil {
					return err
				}
				fp, _ := pki.PublicKeyFingerprint(key.Public())
				if out == "" {
					if e.JSON {
						return e.writeJSON(map[string]any{"type": kt.String(), "public_key_sha256": fp, "encrypted": pass != nil, "pem": string(pemBytes)})
					}
					_, err := e.Stdout.Write(pemBytes)
					return err
				}
				if err := writeFiles(c.Bool("force"), outFile{Path: out, Data: pemBytes, Mode: modeSecret}); err != nil {
					return err
				}
				if e.JSON {
					return e.writeJSON(map[string]any{"type": kt.String(), "public_key_sha256": fp, "encrypted": pass != nil, "file": out})
				}
				enc := "unencrypted"
				if pass != nil {
					enc = "encrypted (PBES2, AES-256-CBC)"
				}
				fmt.Fprintf(e.Stdout, "wrote %s: %s private key, %s, mode 0600\n", out, kt, enc)
				e.Notef("public key SHA-256: %s", fp)
				return nil
			},
		}},
	}
}

// loadKey reads one private key from path.
func (e *Env) loadKey(path, passSpec string) (*pki.Bundle, error) {
	b, err := e.loadBundle(path, passSpec)
	if err != nil {
		return nil, err
	}
	if len(b.Keys) == 0 {
		return nil, inputErr(path, fmt.Errorf("no private key in it (it holds %s)", b.Summary()))
	}
	return b, nil
}
