package wsecho

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestBurstReleaser(t *testing.T) {
	var accepted atomic.Uint64
	calls := make(chan struct{}, 10)
	r := burstReleaser{burst: 5, quiet: 30 * time.Millisecond, tick: 5 * time.Millisecond,
		release: func() { calls <- struct{}{} }}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.run(&accepted, stop)
	}()
	defer func() {
		close(stop)
		<-done
	}()

	// A small burst never triggers a release.
	accepted.Add(4)
	select {
	case <-calls:
		t.Fatal("released after 4 connections, want a burst of 5 first")
	case <-time.After(150 * time.Millisecond):
	}
	// One more makes a burst: released once, after the quiet time.
	accepted.Add(1)
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("no release after a burst of 5 and a quiet period")
	}
	select {
	case <-calls:
		t.Fatal("released twice for one burst")
	case <-time.After(150 * time.Millisecond):
	}
	// Connections arriving without pause keep it waiting.
	for range 20 {
		accepted.Add(1)
		time.Sleep(3 * time.Millisecond)
	}
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("no release after the second burst")
	}
}
