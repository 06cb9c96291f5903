package codec

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// npmVectors is what testdata/vectors.mjs prints.
type npmVectors struct {
	SIO []struct {
		Input struct {
			Type int             `json:"type"`
			Nsp  string          `json:"nsp"`
			ID   *uint64         `json:"id"`
			Data json.RawMessage `json:"data"`
		} `json:"input"`
		Text        string   `json:"text"`
		Attachments []string `json:"attachments"`
	} `json:"sio"`
	Parse []struct {
		Input string `json:"input"`
		OK    bool   `json:"ok"`
	} `json:"parse"`
	EIO []struct {
		Input npmEngine `json:"input"`
		WS    struct {
			Text *string `json:"text"`
			Bin  *string `json:"bin"`
		} `json:"ws"`
		Poll string `json:"poll"`
	} `json:"eio"`
	Payloads []struct {
		Input   []npmEngine `json:"input"`
		Payload string      `json:"payload"`
		Decoded []npmEngine `json:"decoded"`
	} `json:"payloads"`
	Frames []struct {
		Input npmEngine `json:"input"`
		Frame string    `json:"frame"`
	} `json:"frames"`
}

// npmEngine is an engine.io-parser packet; Data is a string or {"$bin":..}.
type npmEngine struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

var engineTypeByName = map[string]EngineType{
	"open": Open, "close": Close, "ping": Ping, "pong": Pong, "message": Message, "upgrade": Upgrade, "noop": Noop,
}

func (n npmEngine) packet(t *testing.T) EnginePacket {
	t.Helper()
	typ, ok := engineTypeByName[n.Type]
	if !ok {
		t.Fatalf("unknown engine type %q", n.Type)
	}
	p := EnginePacket{Type: typ}
	if len(n.Data) == 0 {
		return p
	}
	v := fromPortable(t, n.Data)
	switch d := v.(type) {
	case string:
		if d != "" {
			p.Data = []byte(d)
		}
	case []byte:
		p.Data, p.Binary = d, true
	default:
		t.Fatalf("bad engine data %s", n.Data)
	}
	return p
}

// fromPortable decodes vectors JSON, turning {"$bin":b64} into []byte.
func fromPortable(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("vectors JSON: %v", err)
	}
	return binTree(t, v)
}

func binTree(t *testing.T, v any) any {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["$bin"].(string); ok && len(x) == 1 {
			return mustB64(t, s)
		}
		for k, e := range x {
			x[k] = binTree(t, e)
		}
	case []any:
		for i, e := range x {
			x[i] = binTree(t, e)
		}
	}
	return v
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64 %q: %v", s, err)
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// loadNPMVectors runs testdata/vectors.mjs with node, skipping when node or
// the repository's node_modules is missing.
func loadNPMVectors(t *testing.T) *npmVectors {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found; install Node.js and run npm ci at the repo root")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "socket.io-parser")); err != nil {
		t.Skip("node_modules missing; run npm ci at the repo root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "vectors.mjs"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node testdata/vectors.mjs: %v\n%s", err, stderr.Bytes())
	}
	var v npmVectors
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("vectors output: %v", err)
	}
	if len(v.SIO) == 0 || len(v.EIO) == 0 || len(v.Frames) == 0 || len(v.Payloads) == 0 || len(v.Parse) == 0 {
		t.Fatal("vectors output has an empty section")
	}
	return &v
}

// stricterThanNPM are inputs socket.io-parser accepts and codec rejects:
// JavaScript's loose number checks (Number("") == 0, " " == 0) and a
// CONNECT_ERROR without payload.
var stricterThanNPM = map[string]bool{"": true, "4 ": true, `2 ["a"]`: true, "40": true}

func TestNPMVectors(t *testing.T) {
	t.Parallel()
	v := loadNPMVectors(t)

	t.Run("socket.io encode and decode", func(t *testing.T) {
		for _, c := range v.SIO {
			t.Run(c.Text[:min(len(c.Text), 40)], func(t *testing.T) {
				p := &Packet{Type: PacketType(c.Input.Type), Namespace: c.Input.Nsp}
				if c.Input.ID != nil {
					p.ID, p.HasID = *c.Input.ID, true
				}
				var want any
				if len(c.Input.Data) > 0 {
					want = fromPortable(t, c.Input.Data)
					var err error
					if list, ok := want.([]any); ok {
						p.Data, p.Attachments, err = AppendArgs(nil, list)
					} else {
						p.Data, p.Attachments, err = AppendValue(nil, want)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if got := string(AppendPacket(nil, p)); got != c.Text {
					t.Errorf("AppendPacket = %q\nwant (npm)   %q", got, c.Text)
				}
				if len(p.Attachments) != len(c.Attachments) {
					t.Fatalf("attachments = %d, npm %d", len(p.Attachments), len(c.Attachments))
				}
				for i, a := range c.Attachments {
					if !bytes.Equal(p.Attachments[i], mustB64(t, a)) {
						t.Errorf("attachment %d = %x, npm %s", i, p.Attachments[i], a)
					}
				}

				var d Decoder
				got, err := d.Feed([]byte(c.Text), false)
				for i, a := range c.Attachments {
					if err != nil || got != nil {
						t.Fatalf("Feed before attachment %d: %v, %v", i, got, err)
					}
					got, err = d.Feed(mustB64(t, a), true)
				}
				if err != nil || got == nil {
					t.Fatalf("Decoder.Feed(npm) = %v, %v", got, err)
				}
				if got.Type.base() != PacketType(c.Input.Type) || got.Namespace != c.Input.Nsp || got.HasID != (c.Input.ID != nil) || got.ID != p.ID {
					t.Errorf("decoded header %+v, want type %d nsp %q id %v", got, c.Input.Type, c.Input.Nsp, c.Input.ID)
				}
				if want == nil {
					if got.Data != nil {
						t.Errorf("decoded data %s, want none", got.Data)
					}
					return
				}
				var gotData any
				if got.Type == Connect || got.Type == ConnectError {
					err = json.Unmarshal(got.Data, &gotData)
				} else {
					var args Args
					if args, err = SplitArgs(got.Data, got.Attachments); err == nil {
						gotData, err = args.Any()
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(gotData, want) {
					t.Errorf("decoded data %#v\nwant %#v", gotData, want)
				}
			})
		}
	})

	t.Run("socket.io validation", func(t *testing.T) {
		for _, c := range v.Parse {
			_, err := ParsePacket([]byte(c.Input), Limits{})
			switch {
			case !c.OK && err == nil:
				t.Errorf("ParsePacket(%q) accepted what socket.io-parser rejects", c.Input)
			case c.OK && err != nil && !stricterThanNPM[c.Input]:
				t.Errorf("ParsePacket(%q) = %v; socket.io-parser accepts it", c.Input, err)
			}
		}
	})

	t.Run("engine.io packets", func(t *testing.T) {
		for _, c := range v.EIO {
			p := c.Input.packet(t)
			got := AppendEngine(nil, p)
			var want []byte
			if c.WS.Text != nil {
				want = []byte(*c.WS.Text)
			} else {
				want = mustB64(t, *c.WS.Bin)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("AppendEngine(%+v) = %q, npm %q", p, got, want)
			}
			back, err := ParseEngine(want, c.WS.Bin != nil)
			if err != nil || !engineEqual(back, p) {
				t.Errorf("ParseEngine(npm %q) = %+v, %v; want %+v", want, back, err, p)
			}
			if got := string(AppendPayloadPacket(nil, p)); got != c.Poll {
				t.Errorf("AppendPayloadPacket(%+v) = %q, npm %q", p, got, c.Poll)
			}
			if n := PayloadPacketLen(p); n != len(c.Poll) {
				t.Errorf("PayloadPacketLen = %d, want %d", n, len(c.Poll))
			}
		}
	})

	t.Run("engine.io payloads", func(t *testing.T) {
		for _, c := range v.Payloads {
			var ours []byte
			var want []EnginePacket
			for i, in := range c.Input {
				if i > 0 {
					ours = append(ours, PayloadSeparator)
				}
				p := in.packet(t)
				want = append(want, p)
				ours = AppendPayloadPacket(ours, p)
			}
			if string(ours) != c.Payload {
				t.Errorf("payload = %q, npm %q", ours, c.Payload)
			}
			var got []EnginePacket
			err := DecodePayload([]byte(c.Payload), func(p EnginePacket) error {
				got = append(got, p)
				return nil
			})
			if err != nil || len(got) != len(want) {
				t.Fatalf("DecodePayload(npm %q) = %d packets, %v", c.Payload, len(got), err)
			}
			for i := range got {
				if !engineEqual(got[i], want[i]) || !engineEqual(got[i], c.Decoded[i].packet(t)) {
					t.Errorf("packet %d = %+v, want %+v", i, got[i], want[i])
				}
			}
		}
	})

	t.Run("engine.io 4.1 stream frames", func(t *testing.T) {
		for _, c := range v.Frames {
			p := c.Input.packet(t)
			want := mustB64(t, c.Frame)
			if got := AppendFrame(nil, p); !bytes.Equal(got, want) {
				t.Errorf("AppendFrame(%s, %d bytes) = header %x, npm %x", p.Type, len(p.Data), got[:min(9, len(got))], want[:min(9, len(want))])
			}
			fr := NewFrameReader(bytes.NewReader(want), 0)
			got, err := fr.Next()
			if err != nil || !engineEqual(got, p) {
				t.Errorf("FrameReader(npm frame of %d bytes) = %v, %v", len(want), got.Type, err)
			}
			if _, err := fr.Next(); err != io.EOF {
				t.Errorf("after the frame: %v, want io.EOF", err)
			}
		}
	})
}

// base maps the binary packet types to the plain ones, as the JS decoder
// reports them.
func (t PacketType) base() PacketType {
	switch t {
	case BinaryEvent:
		return Event
	case BinaryAck:
		return Ack
	}
	return t
}

func engineEqual(a, b EnginePacket) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}
