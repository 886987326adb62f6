package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// loadShard holds the counters and histograms of a group of workers, so
// that busy workers on different cores do not share cache lines.
type loadShard struct {
	lat, connLat                  *Histogram
	messages, bytesSent, bytesRcv atomic.Uint64
	_                             [64]byte // keep neighbouring shards' counters apart
}

// loadErrAgg counts the failures of one kind.
type loadErrAgg struct {
	first *loadFail
	count uint64
}

// loadRun is one run of Load.
type loadRun struct {
	callerCtx context.Context
	ctx       context.Context // canceled when the run is over or has failed
	cancel    context.CancelFunc
	o         *LoadOptions
	t         *loadTarget
	d         *loadDialer

	stop       atomic.Bool
	stopCh     chan struct{}
	stopOnce   sync.Once
	stopReason string
	stopAt     time.Time
	forced     atomic.Bool // connections were closed under the workers: ignore their errors
	limited    bool
	remaining  atomic.Int64
	pace       *pacer
	dials      chan struct{} // limits connection attempts in flight

	seq                                  atomic.Uint64 // connection / cycle numbers
	opened, handshakes, errors, closedOK atomic.Uint64
	open, peakOpen                       atomic.Int64
	shards                               []*loadShard
	start                                time.Time
	measureStart                         time.Time
	lastDone                             atomic.Int64 // unix nanoseconds
	tlsOnce                              sync.Once
	tlsVersion, cipher                   string
	openAtEnd                            int64

	errMu sync.Mutex
	errs  map[string]*loadErrAgg

	connMu sync.Mutex
	conns  map[*websocket.Conn]struct{}
}

func newLoadRun(ctx context.Context, o *LoadOptions, t *loadTarget) *loadRun {
	r := &loadRun{callerCtx: ctx, o: o, t: t, d: newLoadDialer(o, t),
		stopCh: make(chan struct{}), dials: make(chan struct{}, loadDialsInFlight),
		errs: map[string]*loadErrAgg{}, conns: map[*websocket.Conn]struct{}{}}
	r.ctx, r.cancel = context.WithCancel(ctx)
	if o.Messages > 0 {
		r.limited = true
		r.remaining.Store(o.Messages)
	}
	if o.Rate > 0 {
		r.pace = newPacer(o.Rate)
	}
	n := min(o.Connections, 4*runtime.GOMAXPROCS(0))
	for range n {
		r.shards = append(r.shards, &loadShard{lat: NewHistogram(), connLat: NewHistogram()})
	}
	return r
}

// halt ends the measured phase: no new message, cycle or connection.
func (r *loadRun) halt(reason string) {
	r.stopOnce.Do(func() {
		r.stopReason = reason
		r.stopAt = time.Now()
		r.stop.Store(true)
		close(r.stopCh)
	})
}

// take reserves one operation, or reports that the run is over.
func (r *loadRun) take() bool {
	if r.stop.Load() {
		return false
	}
	if r.limited && r.remaining.Add(-1) < 0 {
		r.halt("messages")
		return false
	}
	if r.pace != nil && !r.pace.wait(r.stopCh) {
		return false
	}
	return true
}

// done records the end of a worker's measured work.
func (r *loadRun) done() {
	now := time.Now().UnixNano()
	for {
		v := r.lastDone.Load()
		if now <= v || r.lastDone.CompareAndSwap(v, now) {
			return
		}
	}
}

// pause waits d, or until the run stops; it reports whether to go on.
func (r *loadRun) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return !r.stop.Load()
	case <-r.stopCh:
		return false
	}
}

// fail counts a failure by its kind.
func (r *loadRun) fail(f *loadFail) {
	if r.forced.Load() {
		return
	}
	r.errors.Add(1)
	k := f.kind()
	r.errMu.Lock()
	defer r.errMu.Unlock()
	a := r.errs[k]
	if a == nil {
		if len(r.errs) >= loadLimitedErrors {
			// Bounded memory: further kinds count under the first one of
			// their stage.
			for _, b := range r.errs {
				if b.first.stage == f.stage {
					a = b
					break
				}
			}
		}
		if a == nil {
			a = &loadErrAgg{first: f}
			r.errs[k] = a
		}
	}
	a.count++
	// Nothing has ever worked and every worker has failed once: stop
	// rather than hammer a server that is not there.
	if r.opened.Load() == 0 && r.errors.Load() >= uint64(r.o.Connections) && r.o.Mode == LoadHandshake {
		r.halt("failed")
	}
}

// connect opens connection number n, counting it or its failure.
func (r *loadRun) connect(sh *loadShard) *websocket.Conn {
	select {
	case r.dials <- struct{}{}:
	case <-r.ctx.Done():
		return nil
	}
	t0 := time.Now()
	ws, cs, f := r.d.dial(r.ctx, r.seq.Add(1)-1)
	<-r.dials
	if f != nil {
		if r.ctx.Err() == nil {
			r.fail(f)
		}
		return nil
	}
	sh.connLat.Record(time.Since(t0))
	if cs != nil {
		r.tlsOnce.Do(func() {
			r.tlsVersion = VersionName(cs.Version)
			r.cipher = tls.CipherSuiteName(cs.CipherSuite)
		})
	}
	r.opened.Add(1)
	n := r.open.Add(1)
	for {
		p := r.peakOpen.Load()
		if n <= p || r.peakOpen.CompareAndSwap(p, n) {
			break
		}
	}
	r.connMu.Lock()
	r.conns[ws] = struct{}{}
	r.connMu.Unlock()
	return ws
}

// release forgets a connection and closes it without a closing handshake.
func (r *loadRun) release(ws *websocket.Conn) {
	r.connMu.Lock()
	_, ok := r.conns[ws]
	delete(r.conns, ws)
	r.connMu.Unlock()
	if ok {
		r.open.Add(-1)
	}
	ws.Close()
}

// closeCleanly runs the closing handshake (we send 1000, the server answers
// and closes) within loadCloseLimit and releases the connection.
func (r *loadRun) closeCleanly(ws *websocket.Conn) {
	deadline := time.Now().Add(loadCloseLimit)
	if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline); err == nil {
		ws.SetReadDeadline(deadline)
		if r.awaitClose(ws) {
			r.closedOK.Add(1)
			awaitEOF(ws)
		}
	}
	r.release(ws)
}

// awaitEOF waits (within the read deadline already set) for the server to
// close the TCP connection after the closing handshake, as RFC 6455 §7.1.1
// asks of clients: the server then holds the TIME_WAIT state, and a
// handshake-mode run does not exhaust the client's ephemeral ports.
func awaitEOF(ws *websocket.Conn) {
	var b [256]byte
	nc := ws.NetConn()
	for range 16 {
		if _, err := nc.Read(b[:]); err != nil {
			return
		}
	}
}

// awaitClose reads (and drops) messages until the peer's close frame, and
// reports whether it was a normal closure.
func (r *loadRun) awaitClose(ws *websocket.Conn) bool {
	for range 1000 { // bounded: the read deadline also ends it
		_, rd, err := ws.NextReader()
		if err != nil {
			var ce *websocket.CloseError
			return errors.As(err, &ce) && ce.Code == websocket.CloseNormalClosure
		}
		if _, err := io.Copy(io.Discard, rd); err != nil {
			return false
		}
	}
	return false
}

// forceClose closes every connection under the workers (cancellation).
func (r *loadRun) forceClose() {
	r.forced.Store(true)
	r.connMu.Lock()
	defer r.connMu.Unlock()
	for ws := range r.conns {
		ws.NetConn().Close()
	}
}

// run starts the workers of the mode, waits for them and builds the report.
func (r *loadRun) run(progress func(LoadProgress)) (*LoadReport, error) {
	defer r.cancel()
	r.start = time.Now()
	r.measureStart = r.start

	var watchers sync.WaitGroup
	runDone := make(chan struct{})
	watchers.Add(1)
	go func() { // cancellation: stop, then force the connections closed
		defer watchers.Done()
		select {
		case <-r.callerCtx.Done():
			r.halt("canceled")
		case <-runDone:
			return
		}
		t := time.NewTimer(loadCloseLimit)
		defer t.Stop()
		select {
		case <-t.C:
			r.forceClose()
			r.cancel()
		case <-runDone:
		}
	}()
	if progress != nil {
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			r.reportProgress(progress, runDone)
		}()
	}

	var timer *time.Timer
	startTimer := func() {
		if r.o.Duration > 0 {
			timer = time.AfterFunc(r.o.Duration, func() { r.halt("duration") })
		}
	}
	switch r.o.Mode {
	case LoadEcho:
		r.runEcho(startTimer)
	case LoadHandshake:
		startTimer()
		r.runHandshake()
	case LoadIdle:
		r.runIdle(startTimer)
	}
	if timer != nil {
		timer.Stop()
	}
	r.halt("messages") // no-op when already stopped
	close(runDone)
	watchers.Wait()
	return r.report()
}

// runEcho opens the connections, then starts every worker's echo loop at
// once.
func (r *loadRun) runEcho(startTimer func()) {
	var ready, workers sync.WaitGroup
	begin := make(chan struct{})
	for i := range r.o.Connections {
		ready.Add(1)
		workers.Add(1)
		go func() {
			defer workers.Done()
			r.echoWorker(r.shards[i%len(r.shards)], &ready, begin)
		}()
	}
	ready.Wait()
	if r.opened.Load() == 0 {
		r.halt("failed")
	} else if r.callerCtx.Err() == nil {
		r.measureStart = time.Now()
		startTimer()
	}
	close(begin)
	workers.Wait()
}

func (r *loadRun) echoWorker(sh *loadShard, ready *sync.WaitGroup, begin <-chan struct{}) {
	ws := r.connect(sh)
	ready.Done()
	<-begin
	payload := make([]byte, r.o.Size)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	buf := make([]byte, r.o.Size+1)
	backoff := 50 * time.Millisecond
	for !r.stop.Load() {
		if ws == nil {
			if !r.pause(backoff) {
				break
			}
			backoff = min(2*backoff, loadRetryMax)
			ws = r.connect(sh)
			continue
		}
		backoff = 50 * time.Millisecond
		if r.echoLoop(ws, sh, payload, buf) {
			break
		}
		r.release(ws)
		ws = nil
	}
	r.done()
	if ws != nil {
		r.closeCleanly(ws)
	}
}

// echoLoop sends and checks echoes until the run stops (true) or the
// connection fails (false).
func (r *loadRun) echoLoop(ws *websocket.Conn, sh *loadShard, payload, buf []byte) bool {
	size := len(payload)
	var deadlineAt time.Time
	refresh := r.o.Timeout / 4
	var seq uint64
	for r.take() {
		seq++
		// The sequence number in the payload makes a stale or reordered
		// echo a mismatch.
		if size >= 8 {
			binary.LittleEndian.PutUint64(payload, seq)
		} else {
			payload[0] = byte(seq)
		}
		t0 := time.Now()
		if t0.Sub(deadlineAt) > refresh {
			// Deadlines bound every echo; refreshing them a few times per
			// timeout rather than per message keeps timers off the hot path.
			ws.SetReadDeadline(t0.Add(r.o.Timeout))
			ws.SetWriteDeadline(t0.Add(r.o.Timeout))
			deadlineAt = t0
		}
		if err := ws.WriteMessage(websocket.BinaryMessage, payload); err != nil {
			r.fail(&loadFail{stage: StageWS, err: err})
			return false
		}
		_, rd, err := ws.NextReader()
		if err != nil {
			r.fail(&loadFail{stage: StageWS, err: err})
			return false
		}
		n, err := io.ReadFull(rd, buf)
		switch {
		case err == io.ErrUnexpectedEOF || err == io.EOF || err == nil:
			// EOF at the message's end: n is its length (n == len(buf)
			// means longer than sent).
		default:
			r.fail(&loadFail{stage: StageWS, err: err})
			return false
		}
		lat := time.Since(t0)
		if n != size || !bytes.Equal(buf[:n], payload) {
			r.fail(mismatch(payload, buf[:n]))
			continue
		}
		sh.lat.Record(lat)
		sh.messages.Add(1)
		sh.bytesSent.Add(uint64(size))
		sh.bytesRcv.Add(uint64(n))
	}
	return true
}

// ErrEchoMismatch is the raw error of an echo that differed from the
// message sent.
var ErrEchoMismatch = errors.New("probe: echo differs from the message sent")

func mismatch(sent, got []byte) *loadFail {
	return &loadFail{stage: StageWS, err: ErrEchoMismatch, mismatch: true,
		expected: describeBytes(sent), got: describeBytes(got)}
}

// describeBytes names a message by its length and first bytes in hex (the
// first 8 hold the sequence number).
func describeBytes(b []byte) string {
	if len(b) > 12 {
		return fmt.Sprintf("%d bytes: %x...", len(b), b[:12])
	}
	return fmt.Sprintf("%d bytes: %x", len(b), b)
}

// runHandshake runs Connections workers of full cycles.
func (r *loadRun) runHandshake() {
	var workers sync.WaitGroup
	for i := range r.o.Connections {
		workers.Add(1)
		go func() {
			defer workers.Done()
			r.handshakeWorker(r.shards[i%len(r.shards)])
		}()
	}
	workers.Wait()
}

func (r *loadRun) handshakeWorker(sh *loadShard) {
	payload := make([]byte, r.o.Size)
	for i := range payload {
		payload[i] = byte('A' + i%26)
	}
	buf := make([]byte, r.o.Size+1)
	var backoff time.Duration
	for {
		// Back off before taking a ticket, so a ticket taken is a cycle run.
		if backoff > 0 && !r.pause(backoff) {
			break
		}
		if !r.take() {
			break
		}
		if r.cycle(sh, payload, buf) {
			backoff = 0
		} else {
			backoff = min(max(2*backoff, 10*time.Millisecond), loadRetryMax)
		}
	}
	r.done()
}

// cycle is one handshake-mode cycle; it reports success.
func (r *loadRun) cycle(sh *loadShard, payload, buf []byte) bool {
	t0 := time.Now()
	ws := r.connect(sh)
	if ws == nil {
		return false
	}
	ws.SetReadDeadline(time.Now().Add(r.o.Timeout))
	ws.SetWriteDeadline(time.Now().Add(r.o.Timeout))
	fail := func(f *loadFail) bool {
		r.fail(f)
		r.release(ws)
		return false
	}
	if err := ws.WriteMessage(websocket.BinaryMessage, payload); err != nil {
		return fail(&loadFail{stage: StageWS, err: err})
	}
	_, rd, err := ws.NextReader()
	if err != nil {
		return fail(&loadFail{stage: StageWS, err: err})
	}
	n, err := io.ReadFull(rd, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fail(&loadFail{stage: StageWS, err: err})
	}
	if n != len(payload) || !bytes.Equal(buf[:n], payload) {
		return fail(mismatch(payload, buf[:n]))
	}
	r.closeCleanly(ws)
	sh.lat.Record(time.Since(t0))
	sh.bytesSent.Add(uint64(len(payload)))
	sh.bytesRcv.Add(uint64(n))
	r.handshakes.Add(1)
	return true
}

// runIdle opens the connections, holds them for Duration and closes them.
func (r *loadRun) runIdle(startTimer func()) {
	var ready, workers sync.WaitGroup
	for i := range r.o.Connections {
		ready.Add(1)
		workers.Add(1)
		go func() {
			defer workers.Done()
			r.idleWorker(r.shards[i%len(r.shards)], &ready)
		}()
	}
	ready.Wait()
	if r.opened.Load() == 0 {
		r.halt("failed")
	} else if r.callerCtx.Err() == nil {
		r.measureStart = time.Now()
		startTimer()
	}
	<-r.stopCh
	r.done()
	// Start every closing handshake at once; each worker sees the server's
	// answer in its read loop.
	r.connMu.Lock()
	conns := make([]*websocket.Conn, 0, len(r.conns))
	for ws := range r.conns {
		conns = append(conns, ws)
	}
	r.connMu.Unlock()
	r.openAtEnd = int64(len(conns))
	deadline := time.Now().Add(loadCloseLimit)
	for _, ws := range conns {
		ws.SetReadDeadline(deadline)
		// A failed write shows up in the worker's read as well.
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline)
	}
	workers.Wait()
}

func (r *loadRun) idleWorker(sh *loadShard, ready *sync.WaitGroup) {
	var ws *websocket.Conn
	for attempt := range loadIdleAttempts {
		if attempt > 0 && !r.pause(time.Duration(attempt)*loadMaxRetryAfter) {
			break
		}
		if r.stop.Load() || (r.pace != nil && !r.pace.wait(r.stopCh)) {
			break
		}
		if ws = r.connect(sh); ws != nil {
			break
		}
	}
	ready.Done()
	if ws == nil {
		return
	}
	for range math.MaxInt { // ends with the connection: a read error or the close
		_, rd, err := ws.NextReader()
		if err != nil {
			var ce *websocket.CloseError
			switch {
			case r.stop.Load() && errors.As(err, &ce) && ce.Code == websocket.CloseNormalClosure:
				r.closedOK.Add(1)
				awaitEOF(ws)
			case r.stop.Load() && isTimeout(err):
				// No close frame within loadCloseLimit: not clean, not a drop.
			default:
				r.fail(&loadFail{stage: StageWS, err: err})
			}
			r.release(ws)
			return
		}
		if _, err := io.Copy(io.Discard, rd); err != nil {
			r.fail(&loadFail{stage: StageWS, err: err})
			r.release(ws)
			return
		}
	}
}

// reportProgress calls progress every interval until the run is done.
func (r *loadRun) reportProgress(progress func(LoadProgress), runDone <-chan struct{}) {
	tick := time.NewTicker(r.o.ProgressInterval)
	defer tick.Stop()
	var prevOps, prevBytes uint64
	prev := r.start
	for {
		select {
		case <-runDone:
			return
		case now := <-tick.C:
			p := r.snapshot(now)
			ops := p.Messages
			switch r.o.Mode {
			case LoadHandshake:
				ops = p.Handshakes
			case LoadIdle:
				ops = p.Opened
			}
			if dt := now.Sub(prev).Seconds(); dt > 0 {
				p.Rate = float64(ops-prevOps) / dt
				p.MBPerS = float64(p.BytesReceived-prevBytes) / 1e6 / dt
			}
			prevOps, prevBytes, prev = ops, p.BytesReceived, now
			progress(p)
		}
	}
}

func (r *loadRun) snapshot(now time.Time) LoadProgress {
	p := LoadProgress{Mode: r.o.Mode, Elapsed: now.Sub(r.start), Open: r.open.Load(),
		Opened: r.opened.Load(), Handshakes: r.handshakes.Load(), Errors: r.errors.Load()}
	for _, sh := range r.shards {
		p.Messages += sh.messages.Load()
		p.BytesReceived += sh.bytesRcv.Load()
	}
	return p
}

// report builds the LoadReport and, when nothing ever worked, the error.
func (r *loadRun) report() (*LoadReport, error) {
	o := r.o
	rep := &LoadReport{URL: r.t.u.String(), Address: r.t.addr, Mode: o.Mode, Connections: o.Connections,
		Rate: o.Rate, RequestedMessages: o.Messages, RequestedDurationS: o.Duration.Seconds(),
		ClientCertificates: len(o.Certificates), TLSVersion: r.tlsVersion, CipherSuite: r.cipher,
		Started: r.start, Stopped: r.stopReason, ConnectionsOpened: r.opened.Load(), PeakOpen: r.peakOpen.Load(),
		Handshakes: r.handshakes.Load(), ClosedCleanly: r.closedOK.Load(), ErrorsTotal: r.errors.Load()}
	if o.Mode != LoadIdle {
		rep.Size = o.Size
	}
	lat, connLat := NewHistogram(), NewHistogram()
	for _, sh := range r.shards {
		lat.Merge(sh.lat)
		connLat.Merge(sh.connLat)
		rep.Messages += sh.messages.Load()
		rep.BytesSent += sh.bytesSent.Load()
		rep.BytesReceived += sh.bytesRcv.Load()
	}
	rep.Latency, rep.ConnectLatency = lat.Summary(), connLat.Summary()
	end := time.Unix(0, r.lastDone.Load())
	if end.Before(r.measureStart) {
		end = r.measureStart
	}
	elapsed := end.Sub(r.measureStart).Seconds()
	rep.ElapsedS = math.Round(elapsed*1e6) / 1e6
	if elapsed > 0 {
		rep.MessagesPerS = round1(float64(rep.Messages) / elapsed)
		rep.MBPerS = round1(float64(rep.BytesReceived) / 1e6 / elapsed)
		rep.HandshakesPerS = round1(float64(rep.Handshakes) / elapsed)
	}
	if o.Mode == LoadIdle {
		rep.HeldS = math.Round(r.stopAt.Sub(r.measureStart).Seconds()*1e6) / 1e6
		rep.OpenAtEnd = r.openAtEnd
		rep.ElapsedS = math.Round(r.stopAt.Sub(r.start).Seconds()*1e6) / 1e6
	}
	rep.Errors = r.errorCounts()
	if rep.ConnectionsOpened == 0 && len(rep.Errors) > 0 {
		rep.Stopped = "failed"
		first := rep.Errors[0]
		var raw error
		for _, a := range r.errs {
			if a.first.err.Error() == first.Raw {
				raw = a.first.err
				break
			}
		}
		if raw == nil {
			raw = errors.New(first.Raw)
		}
		f := &Failure{Stage: first.Stage, Raw: first.Raw, Alert: first.Alert, CauseID: first.CauseID,
			Cause: first.Cause, Fix: first.Fix, ExitCode: first.ExitCode}
		return rep, &FailureError{Failure: f, Err: raw}
	}
	return rep, nil
}

// errorCounts explains every kind of failure, merging kinds with the same
// cause, most frequent first. TLS and HTTP failures are diagnosed by a
// follow-up probe when the caller has not canceled.
func (r *loadRun) errorCounts() []LoadErrorCount {
	kinds := make([]string, 0, len(r.errs))
	for k := range r.errs {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		a, b := r.errs[kinds[i]], r.errs[kinds[j]]
		if a.count != b.count {
			return a.count > b.count
		}
		return kinds[i] < kinds[j]
	})
	byCause := map[string]*LoadErrorCount{}
	var out []*LoadErrorCount
	diagnoses := 0
	for _, k := range kinds {
		a := r.errs[k]
		var f *Failure
		diagnosed := false
		if (a.first.stage == StageTLS || a.first.stage == StageHTTP) && diagnoses < loadMaxDiagnoses && r.callerCtx.Err() == nil {
			diagnoses++
			if f = r.diagnose(r.callerCtx, a.first); f != nil {
				diagnosed = true
			}
		}
		if f == nil {
			f = r.classify(a.first)
		}
		if c := byCause[f.CauseID]; c != nil {
			c.Count += a.count
			continue
		}
		c := &LoadErrorCount{CauseID: f.CauseID, Stage: f.Stage, Count: a.count, Raw: clip(a.first.err.Error()),
			Alert: f.Alert, Cause: f.Cause, Fix: f.Fix, Diagnosed: diagnosed, ExitCode: f.ExitCode}
		byCause[f.CauseID] = c
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	res := make([]LoadErrorCount, len(out))
	for i, c := range out {
		res[i] = *c
	}
	return res
}

func clip(s string) string {
	if len(s) > loadSampleLen {
		return s[:loadSampleLen] + "..."
	}
	return s
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// pacer spaces operations interval apart across all workers. It never
// bursts to catch up: after a stall the schedule restarts from now, so Rate
// is an upper bound.
type pacer struct {
	interval int64 // nanoseconds
	base     time.Time
	next     atomic.Int64 // nanoseconds since base
}

func newPacer(rate float64) *pacer {
	return &pacer{interval: max(int64(1e9/rate), 1), base: time.Now()}
}

// wait blocks until the caller's slot, or until stop is closed (false).
func (p *pacer) wait(stop <-chan struct{}) bool {
	for {
		now := int64(time.Since(p.base))
		prev := p.next.Load()
		slot := max(prev, now)
		if !p.next.CompareAndSwap(prev, slot+p.interval) {
			continue
		}
		d := time.Duration(slot - now)
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
			return true
		case <-stop:
			t.Stop()
			return false
		}
	}
}
