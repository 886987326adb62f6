package probe

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSessionInteractive drives a Session the way the interactive command
// does: one goroutine sends lines, another receives replies.
func TestSessionInteractive(t *testing.T) {
	e := newEnv(t)
	addr := startGoServer(t, "", serverTLS(e.pki.Server.TLS()), echoHandler())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, rep, err := Dial(ctx, e.clientOpts("wss://"+addr+"/"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if rep.WS == nil || s.Conn() == nil {
		t.Fatal("no WebSocket after Dial")
	}
	lines := []string{"one", "two", "three"}
	got := make(chan string, len(lines))
	recvErr := make(chan error, 1)
	go func() {
		for range lines {
			m, err := s.Receive(ctx)
			if err != nil {
				recvErr <- err
				return
			}
			got <- string(m.Data)
		}
		recvErr <- nil
	}()
	for _, l := range lines {
		if err := s.Send(ctx, Text(l)); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-recvErr; err != nil {
		t.Fatal(err)
	}
	for _, want := range lines {
		if g := <-got; g != want {
			t.Errorf("got %q, want %q", g, want)
		}
	}
	if err := s.Close(1000, "bye"); err != nil {
		t.Fatal(err)
	}
	final := s.Report()
	if len(final.WS.Messages) != 6 || final.WS.Close == nil || !final.WS.Close.Clean {
		t.Errorf("messages %d, close %+v", len(final.WS.Messages), final.WS.Close)
	}
	for _, m := range final.WS.Messages {
		if m.Dir == "received" && m.Latency <= 0 {
			t.Errorf("received message without latency: %+v", m)
		}
	}
}

// TestReceiveHonoursContext: a Receive interrupted by its context ends at
// once with ws_no_reply, not after the stage timeout.
func TestReceiveHonoursContext(t *testing.T) {
	e := newEnv(t)
	addr := startGoServer(t, "", serverTLS(e.pki.Server.TLS()), echoHandler())
	s, _, err := Dial(context.Background(), e.clientOpts("wss://"+addr+"/"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(1000, "")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Receive(ctx)
	var fe *FailureError
	if !errors.As(err, &fe) || fe.Failure.CauseID != CauseWSNoReply {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

func TestBadURL(t *testing.T) {
	for _, u := range []string{"ftp://x/", "wss://", "::bad"} {
		if _, err := Run(context.Background(), Options{URL: u}); !errors.Is(err, ErrBadURL) {
			t.Errorf("%q: err %v, want ErrBadURL", u, err)
		}
	}
}
