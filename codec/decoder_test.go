package codec

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestAppendEventArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		name string
		args []string
		err  bool
	}{
		{`["a"]`, "a", nil, false},
		{` [ "echo" , {"x": 1} ,2 ] `, "echo", []string{`{"x": 1}`, `2`}, false},
		{`[7,"x"]`, "7", []string{`"x"`}, false},
		{`["a",1,2,3,4,5]`, "a", []string{`1`, `2`, `3`, `4`, `5`}, false},
		{`[]`, "", nil, true},
		{`{}`, "", nil, true},
		{`["a",]`, "", nil, true},
		{`[true]`, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			prefix := json.RawMessage(`"kept"`)
			dst := append(make([]json.RawMessage, 0, 4), prefix)
			name, got, err := AppendEventArgs(dst, json.RawMessage(tt.in))
			if tt.err {
				var se *SyntaxError
				if !errors.As(err, &se) || len(got) != 1 {
					t.Fatalf("got %q %q %v, want a *SyntaxError and dst unchanged", name, got, err)
				}
				return
			}
			if err != nil || name != tt.name || len(got) != len(tt.args)+1 || string(got[0]) != string(prefix) {
				t.Fatalf("got %q %q %v, want %q %q", name, got, err, tt.name, tt.args)
			}
			for i, a := range tt.args {
				if string(got[i+1]) != a {
					t.Errorf("argument %d = %s, want %s", i, got[i+1], a)
				}
			}
		})
	}
}

func TestAppendEventArgsNoAlloc(t *testing.T) {
	data := json.RawMessage(`["echo",{"t":"x"},2]`)
	var buf [4]json.RawMessage
	if n := testing.AllocsPerRun(100, func() { _, _, _ = AppendEventArgs(buf[:0], data) }); n > 1 {
		t.Errorf("%v allocations, want at most 1 (the name)", n)
	}
}

func TestDecoderOwnedReuse(t *testing.T) {
	t.Parallel()
	text := []byte(`51-/n,4["up",{"_placeholder":true,"num":0}]`)
	bin := []byte{1, 2, 3}
	for _, tt := range []struct {
		name         string
		owned, reuse bool
	}{{"copy", false, false}, {"owned", true, false}, {"reuse", false, true}, {"owned reuse", true, true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Decoder{Owned: tt.owned, Reuse: tt.reuse}
			in := append([]byte(nil), text...)
			att := append([]byte(nil), bin...)
			if p, err := d.Feed(in, false); p != nil || err != nil {
				t.Fatalf("Feed text = %v, %v; want pending", p, err)
			}
			p, err := d.Feed(att, true)
			if err != nil || p == nil || p.Namespace != "/n" || p.ID != 4 || len(p.Attachments) != 1 {
				t.Fatalf("Feed binary = %+v, %v", p, err)
			}
			if aliased := &p.Data[0] == &in[len(in)-len(p.Data)]; aliased != tt.owned {
				t.Errorf("data aliases the input: %v, want %v", aliased, tt.owned)
			}
			if aliased := &p.Attachments[0][0] == &att[0]; aliased != tt.owned {
				t.Errorf("attachment aliases the input: %v, want %v", aliased, tt.owned)
			}
			q, err := d.Feed([]byte(`2["b"]`), false)
			if err != nil || string(q.Data) != `["b"]` || q.Type != Event || q.Namespace != "/" || q.HasID || q.Attachments != nil {
				t.Fatalf("next Feed = %+v, %v", q, err)
			}
			if same := p == q; same != tt.reuse {
				t.Errorf("same Packet returned twice: %v, want %v", same, tt.reuse)
			}
		})
	}
}
