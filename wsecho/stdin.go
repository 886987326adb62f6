package wsecho

import (
	"bufio"
	"io"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// readStdin sends every line of r (without its line ending) as a text
// message to every client of every Broadcast service: the console of the
// original echo server.
func (s *Server) readStdin(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), int(min(s.set.ReadLimit, 16<<20)))
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if !utf8.Valid(line) {
			s.log.Warn("stdin line is not valid UTF-8; not sent", "bytes", len(line))
			continue
		}
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, line)
		if err != nil {
			s.log.Error("preparing stdin line", "error", err.Error())
			continue
		}
		n := 0
		for _, p := range s.set.paths {
			if svc := s.services[p]; svc.kind == Broadcast {
				n += svc.publish(pm)
			}
		}
		s.log.Info("stdin line broadcast", "bytes", len(line), "clients", n)
	}
	if err := sc.Err(); err != nil {
		s.log.Warn("reading stdin stopped", "error", err.Error())
	}
}
