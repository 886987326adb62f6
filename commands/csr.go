package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func csrCommand() *cli.Command {
	return &cli.Command{
		Name:     "csr",
		Category: catPKI,
		Usage:    "make certificate signing requests [openssl req -new]",
		Subcommands: []*cli.Command{{
			Name:      "new",
			Usage:     "make a CSR for an existing key",
			UsageText: "wsskit csr new --key F --subject S [--san V]... [--out F] [--passin SRC]",
			Description: example(
				"wsskit key new --out client.key",
				"wsskit csr new --key client.key --subject /C=SG/O=Test/CN=client1 --out client.csr",
				"wsskit cert sign --csr client.csr --ca ca.pem --ca-key ca.key --out client.pem",
			),
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "key", Usage: "private key (PEM or DER, encrypted or not)", TakesFile: true},
				subjectFlag(), sanFlag(), passinFlag(),
				outFlag("write the CSR here instead of stdout"), forceFlag(), jsonFlag(),
			},
			Action: func(c *cli.Context) error {
				e := envOf(c)
				if err := noArgs(c); err != nil {
					return err
				}
				if c.String("key") == "" {
					return usageErr("--key is required (make one with: wsskit key new --out client.key)")
				}
				if !c.IsSet("subject") {
					return usageErr("--subject is required, e.g. --subject /CN=client1")
				}
				subject, err := parseSubjectFlag(e, c.String("subject"))
				if err != nil {
					return err
				}
				sans, err := parseSANFlags(c.StringSlice("san"))
				if err != nil {
					return err
				}
				out := c.String("out")
				if out != "" {
					if err := checkNotExist(out, c.Bool("force")); err != nil {
						return err
					}
				}
				kb, err := e.loadKey(c.String("key"), c.String("passin"))
				if err != nil {
					return err
				}
				csr, err := pki.CreateCSR(kb.Keys[0], subject, sans, nil)
				if err != nil {
					return inputErr(c.String("key"), err)
				}
				data := pki.EncodeCSRPEM(csr)
				j := map[string]any{"subject": csr.Subject.String(), "sans": append([]string{}, pki.SANsOfCSR(csr).List()...)}
				return e.writePublicPEM(c.Bool("force"), out, data, j, func() {
					fmt.Fprintf(e.Stdout, "wrote %s: CSR for %s\n", out, csr.Subject)
				})
			},
		}},
	}
}
