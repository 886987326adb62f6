package commands

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:      "demo",
		Category:  catOther,
		Usage:     "the whole story on loopback in about a second: PKI, mTLS server, a good and a failing client",
		UsageText: "wsskit demo [--dir D] [--keep]",
		Description: example(
			"wsskit demo                 # in a temporary folder, removed afterwards",
			"wsskit demo --dir demo-pki  # keep the PKI to play with",
		),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "make the PKI here and keep it (default: a temporary folder, removed afterwards)", TakesFile: true},
			&cli.BoolFlag{Name: "keep", Usage: "keep the temporary folder"},
		},
		Action: demoAction,
	}
}

func demoAction(c *cli.Context) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	dir := c.String("dir")
	if dir == "" {
		tmp, err := os.MkdirTemp("", "wsskit-demo-")
		if err != nil {
			return err
		}
		if !c.Bool("keep") {
			defer os.RemoveAll(tmp)
		}
		dir = tmp
	}
	bold, green, red := e.paint(e.Stdout, colorBold), e.paint(e.Stdout, colorGreen), e.paint(e.Stdout, colorRed)
	start := time.Now()

	fmt.Fprintf(e.Stdout, "%s wsskit pki init --dir %s\n", bold("1. make a test PKI:"), dir)
	p, err := pki.InitPKI(pki.InitOptions{IPs: []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}, DNS: []string{"localhost"}, Clients: 1})
	if err != nil {
		return err
	}
	files, _, err := pkiFiles(dir, p, []byte(defaultPFXPass), pki.PFXCompat)
	if err != nil {
		return err
	}
	if _, err := mkdirs(filepath.Join(dir, "ca")); err != nil {
		return err
	}
	if err := writeFiles(false, files...); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "   CA %s, server %s, client %s\n", p.CA.Cert.Subject, pki.SANsOf(p.Server.Cert), p.Clients[0].Cert.Subject)

	load := func(name string) (tls.Certificate, error) {
		b, err := e.loadBundle(filepath.Join(dir, name), "pass:"+defaultPFXPass)
		if err != nil {
			return tls.Certificate{}, err
		}
		return pki.KeyPair(b.Certs, b.Keys)
	}
	serverCert, err := load("server.pfx")
	if err != nil {
		return err
	}
	clientCert, err := load("client.pfx")
	if err != nil {
		return err
	}
	caCerts, err := pki.CAPathCerts(filepath.Join(dir, "ca"))
	if err != nil {
		return err
	}
	pool := pki.CertPool(caCerts)

	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs: pool, MinVersion: tls.VersionTLS13,
	})
	if err != nil {
		return withCode(ExitNetwork, err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				line, err := bufio.NewReader(conn).ReadString('\n')
				if err == nil {
					fmt.Fprint(conn, line)
				}
			}()
		}
	}()
	addr := ln.Addr().String()
	fmt.Fprintf(e.Stdout, "%s on %s (TLS 1.3, client certificate required, trust: %s)\n", bold("2. mTLS server"), addr, filepath.Join(dir, "ca"))

	try := func(cert tls.Certificate) (string, error) {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{
			Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: "127.0.0.1"}}
		conn, err := d.Dial("tcp", addr)
		if err != nil {
			return "", err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := fmt.Fprint(conn, "hello\n"); err != nil {
			return "", err
		}
		// Under TLS 1.3 a rejected client certificate shows only here, at
		// the first read after the handshake.
		return bufio.NewReader(conn).ReadString('\n')
	}

	fmt.Fprintf(e.Stdout, "%s with client.pfx\n", bold("3. client"))
	reply, err := try(clientCert)
	goodOK := err == nil && reply == "hello\n"
	if goodOK {
		fmt.Fprintf(e.Stdout, "   %s handshake done, sent \"hello\", got it back\n", green("OK"))
	} else {
		fmt.Fprintf(e.Stdout, "   %s %v\n", red("FAILED"), err)
	}

	fmt.Fprintf(e.Stdout, "%s with a client certificate from another CA\n", bold("4. client"))
	other, err := pki.InitPKI(pki.InitOptions{IPs: []net.IP{net.IPv4(127, 0, 0, 1).To4()}, Clients: 1})
	if err != nil {
		return err
	}
	_, err = try(tls.Certificate{Certificate: [][]byte{other.Clients[0].Cert.Raw}, PrivateKey: other.Clients[0].Key, Leaf: other.Clients[0].Cert})
	badOK := err != nil
	if badOK {
		fmt.Fprintf(e.Stdout, "   %s as expected: %v\n", green("REJECTED"), err)
		fmt.Fprintf(e.Stdout, "   cause: the server trusts only %s, which did not issue this client certificate\n", p.CA.Cert.Subject)
	} else {
		fmt.Fprintf(e.Stdout, "   %s the server accepted a client certificate from an unknown CA\n", red("UNEXPECTED"))
	}
	fmt.Fprintf(e.Stdout, "done in %s\n", time.Since(start).Round(time.Millisecond))
	if !goodOK || !badOK {
		return withCode(ExitCheckFailed, errors.New("demo: a probe did not behave as expected"))
	}
	return nil
}
