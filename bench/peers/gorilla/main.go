// Command gorilla is the bare gorilla/websocket echo server that
// bench/compare.sh measures wsskit's echo server against: the handler from
// gorilla's own echo example (ReadMessage, WriteMessage, default Upgrader
// buffers) behind crypto/tls, nothing more. It prints "listening ADDR" once
// it accepts connections.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/gorilla/websocket"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (loopback)")
	cert := flag.String("cert", "", "server certificate (PEM); without it, plain ws://")
	key := flag.String("key", "", "server key (PEM)")
	cafile := flag.String("cafile", "", "require client certificates issued by these CAs (PEM)")
	flag.Parse()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS13}
		if *cafile != "" {
			pem, err := os.ReadFile(*cafile)
			if err != nil {
				log.Fatal(err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				log.Fatalf("%s: no certificate", *cafile)
			}
			cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
		}
		ln = tls.NewListener(ln, cfg)
	}
	upgrader := websocket.Upgrader{}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, message, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, message); err != nil {
				return
			}
		}
	})
	fmt.Printf("listening %s\n", ln.Addr())
	srv := &http.Server{ErrorLog: log.New(os.Stderr, "", 0)}
	log.Fatal(srv.Serve(ln))
}
