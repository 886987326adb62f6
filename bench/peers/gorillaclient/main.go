// Command gorillaclient is the independent reference client of
// bench/compare.sh: a plain gorilla/websocket echo client (WriteMessage,
// ReadMessage, default Dialer buffers) with -c connections sending for -d.
// wsskit load must reach at least its throughput against the same server.
// It prints one line: "messages N seconds S messages_per_s R".
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	url := flag.String("url", "", "ws:// or wss:// URL")
	conns := flag.Int("c", 50, "connections")
	dur := flag.Duration("d", 5*time.Second, "duration")
	size := flag.Int("size", 1024, "message size in bytes")
	cafile := flag.String("cafile", "", "CA certificates trusted for the server (PEM)")
	cert := flag.String("cert", "", "client certificate (PEM)")
	key := flag.String("key", "", "client key (PEM)")
	flag.Parse()

	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, TLSClientConfig: &tls.Config{}}
	if *cafile != "" {
		pem, err := os.ReadFile(*cafile)
		if err != nil {
			log.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		d.TLSClientConfig.RootCAs = pool
	}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		d.TLSClientConfig.Certificates = []tls.Certificate{pair}
	}
	var clients []*websocket.Conn
	for range *conns {
		c, _, err := d.Dial(*url, nil)
		if err != nil {
			log.Fatal(err)
		}
		clients = append(clients, c)
	}
	var total atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := bytes.Repeat([]byte{'x'}, *size)
			for !stop.Load() {
				if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
					log.Fatal(err)
				}
				_, reply, err := c.ReadMessage()
				if err != nil {
					log.Fatal(err)
				}
				if len(reply) != len(msg) {
					log.Fatalf("echo of %d bytes, sent %d", len(reply), len(msg))
				}
				total.Add(1)
			}
		}()
	}
	time.Sleep(*dur)
	stop.Store(true)
	wg.Wait()
	el := time.Since(start).Seconds()
	for _, c := range clients {
		c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		c.Close()
	}
	fmt.Printf("messages %d seconds %.3f messages_per_s %.1f\n", total.Load(), el, float64(total.Load())/el)
}
