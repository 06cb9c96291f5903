package cluster

import (
	"encoding/json"

	"github.com/sockbus/sockbus/bus"
)

// remoteSocket is a socket of a fetch response, as Node's adapters send it.
type remoteSocket struct {
	ID        string          `json:"id"`
	Handshake bus.Handshake   `json:"handshake"`
	Rooms     []string        `json:"rooms"`
	Data      json.RawMessage `json:"data"`
}

func (r remoteSocket) info() bus.SocketInfo {
	var data any
	if len(r.Data) > 0 {
		data = r.Data
	}
	return bus.SocketInfo{ID: r.ID, Handshake: r.Handshake, Rooms: r.Rooms, Data: data}
}

// DecodeSocket decodes one socket of a fetch response. Its data stays
// JSON: a json.RawMessage of its own (b is not retained), or nil when
// absent.
func DecodeSocket(b []byte) (bus.SocketInfo, error) {
	var r remoteSocket
	if err := json.Unmarshal(b, &r); err != nil {
		return bus.SocketInfo{}, err
	}
	return r.info(), nil
}

// DecodeSockets decodes a JSON array of sockets (see DecodeSocket). On an
// error it returns, with it, the sockets decoded so far.
func DecodeSockets(b []byte) ([]bus.SocketInfo, error) {
	var rs []remoteSocket
	err := json.Unmarshal(b, &rs)
	var out []bus.SocketInfo
	for _, r := range rs {
		out = append(out, r.info())
	}
	return out, err
}
