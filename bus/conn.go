package bus

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// writable is the optional transport ability Volatile uses: a connection
// that reports false is skipped by volatile emits.
type writable interface{ Writable() bool }

// conn is the Socket.IO state of one transport connection.
type conn struct {
	srv *Server
	tc  transport.Conn
	vc  transport.ValueConn // nil when tc has no value path
	wr  writable            // nil when tc does not report writability
	hs  transport.Handshake

	values atomic.Bool // vc's peer accepts values (until it says otherwise)
	dec    codec.Decoder

	mu      sync.Mutex
	sockets map[string]*Socket // by namespace name
	timer   *time.Timer
}

func newConn(s *Server, tc transport.Conn, h transport.Handshake) *conn {
	c := &conn{srv: s, tc: tc, hs: h, sockets: make(map[string]*Socket)}
	// The transport hands each message over (transport.Handler) and
	// onPacket keeps nothing of a packet but the bytes it points to.
	c.dec = codec.Decoder{Limits: s.cfg.Limits, Owned: true, Reuse: true}
	if vc, ok := tc.(transport.ValueConn); ok {
		c.vc = vc
		c.values.Store(true)
	}
	c.wr, _ = tc.(writable)
	return c
}

// startTimer closes the connection if it connects to no namespace in d.
func (c *conn) startTimer(d time.Duration) {
	c.mu.Lock()
	c.timer = time.AfterFunc(d, func() {
		c.mu.Lock()
		n := len(c.sockets)
		c.mu.Unlock()
		if n == 0 {
			_ = c.tc.Close(transport.ErrForcedClose)
		}
	})
	c.mu.Unlock()
}

func (c *conn) stopTimer() {
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
}

func (c *conn) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sockets[nsp]
}

func (c *conn) parseError(err error) {
	c.srv.log.Debug("bus: parse error", "conn", c.tc.ID(), "err", err)
	_ = c.tc.Close(transport.ErrParse)
}

// onMessage feeds one Engine.IO message to the decoder.
func (c *conn) onMessage(m *transport.Message) {
	pkt, err := c.dec.Feed(m.Data, m.Binary)
	if err != nil {
		c.parseError(err)
		return
	}
	if pkt != nil {
		c.onPacket(pkt)
	}
}

// onPacket handles one complete packet, in wire or in-process form.
func (c *conn) onPacket(pkt *codec.Packet) {
	nsp := pkt.Namespace
	if nsp == "" {
		nsp = "/"
	}
	switch pkt.Type {
	case codec.Connect:
		c.connect(nsp, pkt.Data)
	case codec.Disconnect:
		if s := c.socket(nsp); s != nil {
			s.close(ReasonClientNamespaceDisconnect)
		}
	case codec.Event, codec.BinaryEvent:
		e, err := eventOf(pkt)
		if err != nil {
			c.parseError(err)
			return
		}
		if s := c.socket(nsp); s != nil {
			e.socket, e.ackID, e.hasID = s, pkt.ID, pkt.HasID
			s.onEvent(e)
		}
	case codec.Ack, codec.BinaryAck:
		if s := c.socket(nsp); s != nil && pkt.HasID {
			args, err := argsOf(pkt)
			if err != nil {
				c.parseError(err)
				return
			}
			s.onAck(pkt.ID, args)
		}
	default:
		c.parseError(fmt.Errorf("bus: unexpected packet type %d", pkt.Type))
	}
}

// inbound is an Event with room for the raw arguments of most events, so
// that both take one allocation.
type inbound struct {
	Event
	raw [4]json.RawMessage
}

// eventOf returns the Event of an EVENT packet, without its socket.
func eventOf(pkt *codec.Packet) (*Event, error) {
	if pkt.Values != nil {
		if len(pkt.Values) == 0 {
			return nil, errors.New("bus: empty event")
		}
		var name string
		switch v := pkt.Values[0].(type) {
		case string:
			name = v
		case int:
			name = strconv.Itoa(v)
		default:
			return nil, fmt.Errorf("bus: event name of type %T", v)
		}
		if codec.IsReserved(name) {
			return nil, fmt.Errorf("%w: %q", codec.ErrReservedEvent, name)
		}
		args, err := codec.SpliceArgs(pkt.Values[1:])
		if err != nil {
			return nil, err
		}
		return &Event{Name: name, Args: args}, nil
	}
	in := new(inbound)
	name, raw, err := codec.AppendEventArgs(in.raw[:0], pkt.Data)
	if err != nil {
		return nil, err
	}
	if codec.IsReserved(name) {
		return nil, fmt.Errorf("%w: %q", codec.ErrReservedEvent, name)
	}
	in.Name = name
	in.Args = Args{Raw: raw[:len(raw):len(raw)], Attachments: pkt.Attachments}
	return &in.Event, nil
}

// argsOf returns the arguments of an ACK packet.
func argsOf(pkt *codec.Packet) (Args, error) {
	if pkt.Values != nil {
		return codec.SpliceArgs(pkt.Values)
	}
	return codec.SplitArgs(pkt.Data, pkt.Attachments)
}

// connect handles a CONNECT to nsp.
func (c *conn) connect(nsp string, auth json.RawMessage) {
	if c.srv.closed.Load() || c.socket(nsp) != nil {
		return
	}
	if len(auth) == 0 {
		auth = json.RawMessage("{}")
	}
	ns := c.srv.lookup(nsp, auth)
	if ns == nil {
		c.sendConnectError(nsp, &ConnectError{Message: "Invalid namespace"})
		return
	}
	c.stopTimer()
	ns.connect(c, auth)
}

// sendConnectError sends CONNECT_ERROR {"message","data"} on nsp.
func (c *conn) sendConnectError(nsp string, err error) {
	var ce *ConnectError
	if !errors.As(err, &ce) {
		ce = &ConnectError{Message: err.Error()}
	}
	body := struct {
		Message string `json:"message"`
		Data    any    `json:"data,omitempty"`
	}{ce.Message, ce.Data}
	data, merr := json.Marshal(body)
	if merr != nil {
		data, _ = json.Marshal(struct {
			Message string `json:"message"`
		}{ce.Message})
	}
	c.sendControl(&codec.Packet{Type: codec.ConnectError, Namespace: nsp, Data: data})
}

// sendControl sends a packet without arguments (CONNECT, CONNECT_ERROR,
// DISCONNECT), always encoded.
func (c *conn) sendControl(pkt *codec.Packet) {
	encodes.Add(1)
	_ = c.tc.Send(transport.NewMessage(codec.AppendPacket(nil, pkt), false))
}

// add registers s as the socket of its namespace on this connection.
func (c *conn) add(s *Socket) {
	c.mu.Lock()
	c.sockets[s.ns.name] = s
	c.mu.Unlock()
}

func (c *conn) remove(s *Socket) {
	c.mu.Lock()
	if c.sockets[s.ns.name] == s {
		delete(c.sockets, s.ns.name)
	}
	c.mu.Unlock()
}

// all returns a snapshot of the connection's sockets.
func (c *conn) all() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		out = append(out, s)
	}
	return out
}

func (c *conn) disconnectAll(reason DisconnectReason) {
	for _, s := range c.all() {
		s.close(reason)
	}
}

func (c *conn) onClose(reason DisconnectReason) {
	c.stopTimer()
	c.disconnectAll(reason)
}

// canWrite reports whether a volatile packet should be sent now.
func (c *conn) canWrite() bool { return c.wr == nil || c.wr.Writable() }

// send delivers pkt: as a value when the peer takes values and pkt has
// Values (unless they hold raw arguments, see encoding.value), otherwise as
// the messages enc encodes (once, shared).
func (c *conn) send(pkt *codec.Packet, enc *encoding) error {
	if c.takesValues(pkt) {
		if vp := enc.value(pkt); vp != nil {
			err := c.vc.SendValue(vp)
			if !errors.Is(err, errors.ErrUnsupported) {
				return err
			}
			c.values.Store(false)
		}
	}
	return c.sendEncoded(pkt, enc)
}

// takesValues reports whether pkt may go to the peer as a value.
func (c *conn) takesValues(pkt *codec.Packet) bool {
	return pkt.Values != nil && c.vc != nil && c.values.Load()
}

// sendEncoded sends the messages enc encodes for pkt; it does not keep pkt.
func (c *conn) sendEncoded(pkt *codec.Packet, enc *encoding) error {
	msgs, err := enc.messages(pkt)
	if err != nil {
		return err
	}
	return c.tc.Send(msgs...)
}

// sendOne sends a packet built for one socket. Taking it by value keeps it
// off the heap unless it goes to the peer as a value.
func (c *conn) sendOne(pkt codec.Packet) error {
	var enc encoding
	defer enc.release()
	if c.takesValues(&pkt) {
		p := pkt
		return c.send(&p, &enc)
	}
	return c.sendEncoded(&pkt, &enc)
}

// encodes counts packet encodings (tests assert a broadcast encodes once).
var encodes atomic.Int64

// encoding lazily encodes one packet into shared messages, and prepares
// its in-process form.
type encoding struct {
	msgs *[]*transport.Message
	err  error
	done bool

	vpkt  *codec.Packet
	vdone bool
}

// value returns pkt as value peers get it: with every Args among its Values
// spliced in (codec.SpliceArgs), or nil when one holds raw JSON arguments,
// which are then sent encoded so that they keep their bytes.
func (e *encoding) value(pkt *codec.Packet) *codec.Packet {
	if !e.vdone {
		e.vdone = true
		e.vpkt = valuePacket(pkt)
	}
	return e.vpkt
}

func valuePacket(pkt *codec.Packet) *codec.Packet {
	if !slices.ContainsFunc(pkt.Values, isArgs) {
		return pkt
	}
	a, err := codec.SpliceArgs(pkt.Values)
	if err != nil || a.Values == nil {
		return nil
	}
	p := *pkt
	p.Values = a.Values
	return &p
}

func isArgs(v any) bool { _, ok := v.(Args); return ok }

// spliced is codec.SpliceArgs for arguments already accepted for sending
// (on error they are handed over as they are).
func spliced(values []any) Args {
	if a, err := codec.SpliceArgs(values); err == nil {
		return a
	}
	return Args{Values: values}
}

var msgPool = sync.Pool{New: func() any { s := make([]*transport.Message, 0, 4); return &s }}

func (e *encoding) messages(pkt *codec.Packet) ([]*transport.Message, error) {
	if !e.done {
		e.done = true
		e.msgs = msgPool.Get().(*[]*transport.Message)
		*e.msgs, e.err = appendEncoded((*e.msgs)[:0], pkt)
	}
	if e.err != nil {
		return nil, e.err
	}
	return *e.msgs, nil
}

// release returns the pooled slice (the messages stay with the transports).
func (e *encoding) release() {
	if e.msgs != nil {
		clear(*e.msgs)
		*e.msgs = (*e.msgs)[:0]
		msgPool.Put(e.msgs)
		e.msgs = nil
	}
}

// scratchPool holds the buffers arguments are encoded into before the
// packet is written, at its exact size, into the bytes of its message.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxScratch bounds the buffers kept in scratchPool.
const maxScratch = 64 << 10

// packetOverhead bounds what AppendPacket writes besides the namespace and
// the data: the type, up to 20 attachment-count digits and '-', up to 20
// ack id digits and the ',' after the namespace.
const packetOverhead = 1 + 21 + 20 + 1

// appendEncoded appends the messages of pkt: the text packet, then one
// binary message per attachment. Values are converted with placeholders.
// The text message's bytes are its only allocation besides the Message.
func appendEncoded(dst []*transport.Message, pkt *codec.Packet) ([]*transport.Message, error) {
	encodes.Add(1)
	p := *pkt
	var scratch *[]byte
	if p.Values != nil {
		scratch = scratchPool.Get().(*[]byte)
		data, atts, err := codec.AppendArgs((*scratch)[:0], p.Values)
		if err != nil {
			scratchPool.Put(scratch)
			return dst, err
		}
		*scratch = data
		p.Values, p.Data, p.Attachments = nil, data, atts
		switch {
		case len(atts) > 0 && p.Type == codec.Event:
			p.Type = codec.BinaryEvent
		case len(atts) > 0 && p.Type == codec.Ack:
			p.Type = codec.BinaryAck
		}
	}
	text := codec.AppendPacket(make([]byte, 0, len(p.Data)+len(p.Namespace)+packetOverhead), &p)
	if scratch != nil && cap(*scratch) <= maxScratch {
		*scratch = (*scratch)[:0]
		scratchPool.Put(scratch)
	}
	dst = append(dst, transport.NewMessage(text, false))
	for _, a := range p.Attachments {
		dst = append(dst, transport.NewMessage(a, true))
	}
	return dst, nil
}
