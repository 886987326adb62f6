package probe

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Session is an open WebSocket made by Dial. One goroutine may call Send
// while another calls Receive (interactive mode); Close may be called from
// any goroutine, once both are done or to interrupt them.
type Session struct {
	p    *prober
	conn *websocket.Conn

	mu       sync.Mutex // guards the report's ws part and lastSend
	lastSend time.Time
	closed   bool
	writeMu  sync.Mutex
}

func newSession(p *prober, conn *websocket.Conn) *Session {
	p.capture.freeze()
	return &Session{p: p, conn: conn}
}

// Conn returns the underlying WebSocket, for callers that forward frames
// themselves (the bridge). Messages they exchange are not recorded.
func (s *Session) Conn() *websocket.Conn { return s.conn }

// Report returns the report so far. It is complete after Close.
func (s *Session) Report() *Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p.o.Trace {
		s.p.rep.Trace = s.p.tracer.Events()
	}
	return s.p.rep
}

func (s *Session) deadline(ctx context.Context) time.Time {
	d := time.Now().Add(s.p.o.timeout())
	if dl, ok := ctx.Deadline(); ok && dl.Before(d) {
		d = dl
	}
	return d
}

// Send writes one message within the stage timeout.
func (s *Session) Send(ctx context.Context, m Message) error {
	typ := websocket.TextMessage
	if m.Binary {
		typ = websocket.BinaryMessage
	}
	// The send time is taken before writing: an echo can arrive before
	// WriteMessage returns.
	s.mu.Lock()
	prev := s.lastSend
	s.lastSend = time.Now()
	s.mu.Unlock()
	s.writeMu.Lock()
	err := s.conn.SetWriteDeadline(s.deadline(ctx))
	if err == nil {
		err = s.conn.WriteMessage(typ, m.Data)
	}
	s.writeMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.lastSend = prev
		return s.failLocked(err)
	}
	s.p.rep.WS.Messages = append(s.p.rep.WS.Messages, record("sent", m, 0))
	return nil
}

// Receive waits for one message, at most the stage timeout (or until ctx
// is done).
func (s *Session) Receive(ctx context.Context) (Message, error) {
	if err := s.conn.SetReadDeadline(s.deadline(ctx)); err != nil {
		return Message{}, s.fail(err)
	}
	stop := context.AfterFunc(ctx, func() {
		// Interrupt a blocked read when the caller gives up.
		_ = s.conn.SetReadDeadline(time.Now()) // only fails on a closed conn, which also ends the read
	})
	typ, data, err := s.conn.ReadMessage()
	stop()
	if err != nil {
		if ctx.Err() != nil && isTimeout(err) {
			err = errors.Join(ctx.Err(), err)
		}
		return Message{}, s.fail(err)
	}
	m := Message{Binary: typ == websocket.BinaryMessage, Data: data}
	s.mu.Lock()
	var lat time.Duration
	if !s.lastSend.IsZero() {
		lat = time.Since(s.lastSend)
	}
	s.p.rep.WS.Messages = append(s.p.rep.WS.Messages, record("received", m, lat))
	s.mu.Unlock()
	return m, nil
}

func (s *Session) fail(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failLocked(err)
}

func (s *Session) failLocked(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && s.p.rep.WS.Close == nil {
		s.p.rep.WS.Close = &CloseInfo{By: "server", Code: ce.Code, Reason: ce.Text}
	}
	f := s.p.facts
	fl := classifyWS(f, err)
	if fl.CauseID == CauseWSNoReply && isTimeout(err) && !errors.Is(err, ErrNoReply) {
		err = errors.Join(ErrNoReply, err)
		fl.Raw = err.Error()
	}
	s.p.rep.Stages = append(s.p.rep.Stages, StageResult{Stage: fl.Stage, Error: err.Error()})
	return s.p.fail(fl, err)
}

// Close sends a close frame with code and reason and waits (within the
// stage timeout) for the server's; it records the closing handshake. It is
// safe to call more than once.
func (s *Session) Close(code int, reason string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	already := s.p.rep.WS.Close != nil
	s.mu.Unlock()
	defer s.conn.Close()
	if already {
		return nil // the server closed first; the read that saw it recorded it
	}
	start := time.Now()
	deadline := time.Now().Add(s.p.o.timeout())
	s.writeMu.Lock()
	err := s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline)
	s.writeMu.Unlock()
	ci := &CloseInfo{By: "client", Code: code, Reason: reason}
	if err == nil {
		// Read until the server's close frame; drop data frames meanwhile.
		_ = s.conn.SetReadDeadline(deadline) // failure ends the loop below through ReadMessage
		for i := 0; i < 1000; i++ {
			_, _, rerr := s.conn.ReadMessage()
			if rerr == nil {
				continue
			}
			var ce *websocket.CloseError
			if errors.As(rerr, &ce) && ce.Code != websocket.CloseAbnormalClosure {
				ci.Clean = true
			}
			break
		}
	}
	s.mu.Lock()
	s.p.rep.WS.Close = ci
	res := StageResult{Stage: StageWS, OK: true, Duration: time.Since(start)}
	if !ci.Clean {
		res.Error = "the server did not answer our close frame"
		s.p.rep.Notes = append(s.p.rep.Notes, Note{Text: "the server did not answer our close frame within " + s.p.o.timeout().String()})
	}
	s.p.rep.Stages = append(s.p.rep.Stages, res)
	s.mu.Unlock()
	return nil
}

// script sends o.Send, reading one reply after each, and checks o.Expect.
func (s *Session) script(ctx context.Context, o Options) error {
	var last *Message
	for _, m := range o.Send {
		if err := s.Send(ctx, m); err != nil {
			return err
		}
		r, err := s.Receive(ctx)
		if err != nil {
			return err
		}
		last = &r
	}
	if o.Expect == nil {
		return nil
	}
	if last == nil {
		r, err := s.Receive(ctx)
		if err != nil {
			return err
		}
		last = &r
	}
	if string(last.Data) != *o.Expect {
		f := s.p.facts
		f.Expected, f.Got = *o.Expect, string(last.Data)
		fl := newFailure(CauseExpectMismatch, StageWS, ErrExpectMismatch.Error(), nil, f)
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.p.fail(fl, ErrExpectMismatch)
	}
	return nil
}

const maxShownMessage = 1024

func record(dir string, m Message, lat time.Duration) WSMessage {
	w := WSMessage{Dir: dir, Type: "text", Size: len(m.Data), Latency: lat}
	data := m.Data
	cut := len(data) > maxShownMessage
	if cut {
		data = data[:maxShownMessage]
	}
	if m.Binary || !utf8.Valid(data) {
		if m.Binary {
			w.Type = "binary"
		}
		w.Data = strconv.Quote(string(data))
	} else {
		w.Data = string(data)
	}
	if cut {
		w.Data += "..."
	}
	return w
}
