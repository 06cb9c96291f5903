package redisadapter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/codec"
)

// Request types of the Node adapter (docs/redis-adapter.md section 1).
const (
	reqAllRooms     = 1
	reqJoin         = 2
	reqLeave        = 3
	reqDisconnect   = 4
	reqFetch        = 5
	reqServerEmit   = 6
	reqBroadcast    = 7
	reqClientCount  = 8
	reqBroadcastAck = 9
)

// packetArgs returns the msgpack array of an EVENT packet's arguments (the
// event name first), appended to dst.
func packetArgs(dst []byte, pkt *codec.Packet) ([]byte, error) {
	if pkt.Values != nil {
		data, atts, err := codec.AppendArgs(nil, pkt.Values)
		if err != nil {
			return dst, err
		}
		return AppendMsgpack(dst, data, atts)
	}
	return AppendMsgpack(dst, pkt.Data, pkt.Attachments)
}

// appendPacket appends {type:2,data,nsp}.
func appendPacket(dst []byte, nsp string, args []byte) []byte {
	dst = append(dst, 0x83)
	dst = appendStr(dst, "type")
	dst = append(dst, byte(codec.Event))
	dst = appendStr(dst, "data")
	dst = append(dst, args...)
	dst = appendStr(dst, "nsp")
	return appendStr(dst, nsp)
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = appendHeader(dst, 0x90, len(ss))
	for _, s := range ss {
		dst = appendStr(dst, s)
	}
	return dst
}

// appendFlags appends the flags map: volatile, compress, timeout (ms), each
// only when set.
func appendFlags(dst []byte, f bus.BroadcastFlags) []byte {
	n := 0
	if f.Volatile {
		n++
	}
	if f.Compress != nil {
		n++
	}
	if f.Timeout > 0 {
		n++
	}
	dst = appendHeader(dst, 0x80, n)
	if f.Volatile {
		dst = append(appendStr(dst, "volatile"), 0xc3)
	}
	if f.Compress != nil {
		c := byte(0xc2)
		if *f.Compress {
			c = 0xc3
		}
		dst = append(appendStr(dst, "compress"), c)
	}
	if f.Timeout > 0 {
		dst = appendInt(appendStr(dst, "timeout"), f.Timeout.Milliseconds())
	}
	return dst
}

// appendOpts appends {rooms,except,flags}.
func appendOpts(dst []byte, opts bus.BroadcastOptions) []byte {
	dst = append(dst, 0x83)
	dst = appendStrings(appendStr(dst, "rooms"), opts.Rooms)
	dst = appendStrings(appendStr(dst, "except"), opts.Except)
	return appendFlags(appendStr(dst, "flags"), opts.Flags)
}

// appendBroadcast appends the classic broadcast message
// [uid, {type,data,nsp}, {rooms,except,flags}].
func appendBroadcast(dst []byte, uid, nsp string, args []byte, opts bus.BroadcastOptions) []byte {
	dst = append(dst, 0x93)
	dst = appendStr(dst, uid)
	dst = appendPacket(dst, nsp, args)
	return appendOpts(dst, opts)
}

// appendBroadcastRequest appends the type-7 request
// {uid,requestId,type,packet,opts}.
func appendBroadcastRequest(dst []byte, uid, id, nsp string, args []byte, opts bus.BroadcastOptions) []byte {
	dst = append(dst, 0x85)
	dst = appendStr(appendStr(dst, "uid"), uid)
	dst = appendStr(appendStr(dst, "requestId"), id)
	dst = append(appendStr(dst, "type"), reqBroadcast)
	dst = appendPacket(appendStr(dst, "packet"), nsp, args)
	return appendOpts(appendStr(dst, "opts"), opts)
}

// appendAckResponse appends the type-9 response {type,requestId,packet};
// packet (a msgpack value) is left out when nil, as notepack skips
// undefined.
func appendAckResponse(dst []byte, id string, packet []byte) []byte {
	n := byte(0x83)
	if packet == nil {
		n = 0x82
	}
	dst = append(dst, n)
	dst = append(appendStr(dst, "type"), reqBroadcastAck)
	dst = appendStr(appendStr(dst, "requestId"), id)
	if packet != nil {
		dst = append(appendStr(dst, "packet"), packet...)
	}
	return dst
}

// unique returns ss without duplicates (ss itself when it has none).
func unique(ss []string) []string {
	if len(ss) < 2 {
		return ss
	}
	for i, s := range ss {
		if slices.Contains(ss[:i], s) {
			out := slices.Clone(ss[:i])
			for _, t := range ss[i:] {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
			return out
		}
	}
	return ss
}

// ---- decoding ----

// wireFlags are the flags of a received message.
type wireFlags struct {
	Volatile bool  `msgpack:"volatile"`
	Compress *bool `msgpack:"compress"`
	Timeout  any   `msgpack:"timeout"`
}

type wireOpts struct {
	Rooms  []string  `msgpack:"rooms"`
	Except []string  `msgpack:"except"`
	Flags  wireFlags `msgpack:"flags"`
}

func (o wireOpts) options() bus.BroadcastOptions {
	f := bus.BroadcastFlags{Volatile: o.Flags.Volatile, Compress: o.Flags.Compress}
	f.Timeout = time.Duration(number(o.Flags.Timeout) * float64(time.Millisecond))
	return bus.BroadcastOptions{Rooms: o.Rooms, Except: o.Except, Flags: f}
}

// number returns a decoded msgpack number as a float64 (0 for others).
func number(x any) float64 {
	v := reflect.ValueOf(x)
	switch {
	case v.CanInt():
		return float64(v.Int())
	case v.CanUint():
		return float64(v.Uint())
	case v.CanFloat():
		return v.Float()
	}
	return 0
}

type wirePacket struct {
	Type int                `msgpack:"type"`
	Data msgpack.RawMessage `msgpack:"data"`
	Nsp  *string            `msgpack:"nsp"`
}

// event converts the packet into a codec.Packet of namespace nsp, or
// reports why it cannot.
func (p *wirePacket) event(nsp string) (*codec.Packet, error) {
	if p.Type != int(codec.Event) && p.Type != int(codec.BinaryEvent) {
		return nil, fmt.Errorf("packet type %d", p.Type)
	}
	data, atts, err := AppendJSON(nil, p.Data)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || data[0] != '[' {
		return nil, fmt.Errorf("packet data is not an array")
	}
	return &codec.Packet{Type: codec.Event, Namespace: nsp, Data: data, Attachments: atts}, nil
}

// namespace returns the packet's nsp ("/" when absent, as Node does).
func (p *wirePacket) namespace() string {
	if p.Nsp == nil {
		return "/"
	}
	return *p.Nsp
}

// broadcastMessage is a decoded [uid, packet, opts].
type broadcastMessage struct {
	_msgpack struct{} `msgpack:",as_array"`
	UID      string
	Packet   wirePacket
	Opts     wireOpts
}

// request is a request of the Node adapter, JSON or (type 7) msgpack. On
// encoding the field order is Node's.
type request struct {
	UID       string          `json:"uid,omitempty" msgpack:"uid"`
	RequestID string          `json:"requestId,omitempty" msgpack:"requestId"`
	Type      int             `json:"type" msgpack:"type"`
	Opts      *jsonOpts       `json:"opts,omitempty" msgpack:"-"`
	Rooms     []string        `json:"rooms,omitempty" msgpack:"-"`
	Close     *bool           `json:"close,omitempty" msgpack:"-"`
	Data      json.RawMessage `json:"data,omitempty" msgpack:"-"`

	// msgpack (type 7) only
	Packet wirePacket `json:"-" msgpack:"packet"`
	MpOpts wireOpts   `json:"-" msgpack:"opts"`
}

// jsonOpts are the options of JSON requests: {rooms, except}.
type jsonOpts struct {
	Rooms  []string `json:"rooms"`
	Except []string `json:"except"`
}

func newJSONOpts(o bus.BroadcastOptions) *jsonOpts {
	j := &jsonOpts{Rooms: unique(o.Rooms), Except: unique(o.Except)}
	if j.Rooms == nil {
		j.Rooms = []string{}
	}
	if j.Except == nil {
		j.Except = []string{}
	}
	return j
}

func (o *jsonOpts) options() bus.BroadcastOptions {
	if o == nil {
		return bus.BroadcastOptions{}
	}
	return bus.BroadcastOptions{Rooms: o.Rooms, Except: o.Except}
}

// decodeRequest decodes a request, JSON when it starts with '{', msgpack
// otherwise.
func decodeRequest(msg []byte) (*request, error) {
	var r request
	if len(msg) > 0 && msg[0] == '{' {
		return &r, json.Unmarshal(msg, &r)
	}
	return &r, msgpack.Unmarshal(msg, &r)
}

// response is a response of the Node adapter (JSON except type 9).
type response struct {
	Type        int                `json:"type" msgpack:"type"`
	RequestID   string             `json:"requestId" msgpack:"requestId"`
	Sockets     []json.RawMessage  `json:"sockets" msgpack:"-"`
	Rooms       []string           `json:"rooms" msgpack:"-"`
	Data        json.RawMessage    `json:"data" msgpack:"-"`
	ClientCount int                `json:"clientCount" msgpack:"-"`
	Packet      msgpack.RawMessage `json:"-" msgpack:"packet"`
	hasPacket   bool
}

func decodeResponse(msg []byte) (*response, error) {
	var r response
	if len(msg) > 0 && msg[0] == '{' {
		return &r, json.Unmarshal(msg, &r)
	}
	err := msgpack.Unmarshal(msg, &r)
	r.hasPacket = r.Packet != nil
	return &r, err
}

// marshal encodes v as JavaScript's JSON.stringify would (no HTML escaping).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// unmarshalMsgpack decodes msg into v.
func unmarshalMsgpack(msg []byte, v any) error { return msgpack.Unmarshal(msg, v) }
