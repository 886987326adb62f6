package wsecho

import (
	"runtime/debug"
	"sync/atomic"
	"time"
)

// After a burst of new connections the heap holds, besides the
// connections themselves, the garbage of their TLS handshakes
// (certificates, key shares, handshake transcripts: tens of kilobytes
// each). With the default GOGC the runtime keeps up to the live heap again
// as headroom, so a server that has just accepted thousands of connections
// that then sit idle would hold about twice their memory until activity
// resumes. Once such a burst is over, the server runs one garbage
// collection and returns the freed memory to the operating system
// (debug.FreeOSMemory): at 5,000 idle wss connections that is about a
// quarter of the process's memory, for one collection's CPU (tens of
// milliseconds) per burst. Servers under steady load never trigger it.
var defaultReleaser = burstReleaser{
	burst:   256,
	quiet:   time.Second,
	tick:    time.Second / 2,
	release: debug.FreeOSMemory,
}

// burstReleaser calls release once a burst of at least burst new
// connections is followed by quiet without any new one, looking every
// tick.
type burstReleaser struct {
	burst       uint64
	quiet, tick time.Duration
	release     func()
}

// releaseAfterBursts returns memory to the OS after each burst of
// connections, until stop is closed.
func (s *Server) releaseAfterBursts(stop <-chan struct{}) {
	defer s.wg.Done()
	defaultReleaser.run(&s.nextID, stop)
}

// run watches accepted, the count of connections accepted so far.
func (r burstReleaser) run(accepted *atomic.Uint64, stop <-chan struct{}) {
	t := time.NewTicker(r.tick)
	defer t.Stop()
	var seen, released uint64
	quietSince := time.Now()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			switch n := accepted.Load(); {
			case n != seen:
				seen, quietSince = n, now
			case n-released >= r.burst && now.Sub(quietSince) >= r.quiet:
				released = n
				r.release()
			}
		}
	}
}
