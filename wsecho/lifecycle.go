package wsecho

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
)

// lifecycle is what Server and Bridge share about starting and stopping:
// one listener at a time, the goroutines Shutdown waits for, and the
// closing flag after which no new one is counted.
type lifecycle struct {
	wg sync.WaitGroup // the serve loop and every goroutine counted by track
	// mu guards the fields below and the embedding type's own state.
	mu      sync.Mutex
	addr    net.Addr
	serving bool
	closing bool
}

// claimLocked marks ln as the one being served; with track it also counts
// the serving goroutine the caller is about to start. mu is held.
func (l *lifecycle) claimLocked(ln net.Listener, track bool) error {
	switch {
	case l.closing:
		return ErrServerClosed
	case l.serving:
		return ErrAlreadyServing
	}
	l.serving, l.addr = true, ln.Addr()
	if track {
		l.wg.Add(1)
	}
	return nil
}

// Addr returns the address listened on, or nil before Start or Serve.
func (l *lifecycle) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addr
}

// track counts one more goroutine that Shutdown waits for, unless shutdown
// has begun (then it returns false and counts nothing). Every wg.Add that is
// not nested inside an already counted goroutine goes through here, so no
// Add races with Shutdown's Wait.
func (l *lifecycle) track() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return false
	}
	l.wg.Add(1)
	return true
}

// start listens on addr, claims the listener (claim is the owner's, which
// may start more) and serves it in a counted goroutine; an end other than
// Shutdown is logged as stopped. ctx bounds only the listen call. what
// names the server in errors ("bridge", or "" for the echo server).
func (l *lifecycle) start(ctx context.Context, addr, what string, log *slog.Logger,
	claim func(net.Listener, bool) error, serve func(net.Listener) error) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("wsecho: %slistening on %s: %w", prefix(what), addr, err)
	}
	if err := claim(ln, true); err != nil {
		ln.Close()
		return err
	}
	go func() {
		defer l.wg.Done()
		if err := serve(ln); err != nil && !errors.Is(err, ErrServerClosed) {
			msg := "serving stopped"
			if what != "" {
				msg = what + " stopped"
			}
			log.Error(msg, "addr", ln.Addr().String(), "error", err.Error())
		}
	}()
	return nil
}

// drain is the second half of Shutdown, once closing is set: it stops srv
// accepting, runs every goAway (each sends close 1001 and waits for the
// peer's close, bounded by CloseGrace) and waits for the counted
// goroutines. When ctx ends first, drop (called with mu held) cuts the
// remaining connections and ctx's error is returned once all are gone.
func (l *lifecycle) drain(ctx context.Context, srv *http.Server, what string, goAway []func(), drop func()) error {
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Shutdown(ctx) }()
	var closers sync.WaitGroup
	for _, f := range goAway {
		closers.Add(1)
		go func() {
			defer closers.Done()
			f()
		}()
	}
	closers.Wait()
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		l.mu.Lock()
		drop()
		l.mu.Unlock()
		srv.Close()
		<-done
	}
	if herr := <-httpDone; herr != nil && err == nil && !errors.Is(herr, context.Canceled) && !errors.Is(herr, context.DeadlineExceeded) {
		err = fmt.Errorf("wsecho: %sshutting down http server: %w", prefix(what), herr)
	}
	return err
}

func prefix(what string) string {
	if what == "" {
		return ""
	}
	return what + ": "
}
