package cluster

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sockbus/sockbus/bus"
)

func TestDecodeSocket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    bus.SocketInfo
		wantErr bool
	}{
		{"full", `{"id":"x","handshake":{"address":"::1","issued":1000},"rooms":["x","r"],"data":{"k":[1]}}`,
			bus.SocketInfo{ID: "x", Handshake: bus.Handshake{Headers: map[string][]string{}, Query: map[string][]string{}, Address: "::1", Time: time.UnixMilli(1000)}, Rooms: []string{"x", "r"}, Data: json.RawMessage(`{"k":[1]}`)}, false},
		{"no data", `{"id":"x"}`, bus.SocketInfo{ID: "x"}, false},
		{"null data", `{"id":"x","data":null}`, bus.SocketInfo{ID: "x", Data: json.RawMessage(`null`)}, false},
		{"malformed", `{"id":`, bus.SocketInfo{}, true},
		{"wrong type", `{"id":1}`, bus.SocketInfo{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeSocket([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("DecodeSocket (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeSockets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []bus.SocketInfo
		wantErr bool
	}{
		{"two", `[{"id":"a"},{"id":"b","rooms":["r"]}]`, []bus.SocketInfo{{ID: "a"}, {ID: "b", Rooms: []string{"r"}}}, false},
		{"empty", `[]`, nil, false},
		{"malformed", `[{"id":"a"`, nil, true},
		{"not an array", `{"id":"a"}`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeSockets([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("DecodeSockets (-want +got):\n%s", d)
			}
		})
	}
}
