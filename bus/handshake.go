package bus

import (
	"encoding/json"
	"fmt"
	"time"
)

// Handshake describes how a socket connected: the transport request and the
// auth payload of its CONNECT packet. It marshals to the JSON shape of
// Node's socket.handshake: {headers, time, address, xdomain, secure, issued,
// url, query, auth}, with single-valued headers and query parameters as
// strings, time as a JavaScript Date string and issued in milliseconds.
//
// A Handshake is read-only once the socket exists; share, do not modify.
type Handshake struct {
	Headers map[string][]string // request headers (canonical or lower-case keys, as the transport gives them)
	Query   map[string][]string // URL query parameters
	Auth    json.RawMessage     // CONNECT payload; "{}" when the client sent none
	Address string              // remote address
	Time    time.Time           // when the socket connected (Node: time and issued)
	URL     string              // request URL
	Secure  bool                // TLS, or an in-process connection
	XDomain bool                // an Origin header was present
}

type handshakeJSON struct {
	Headers map[string]any  `json:"headers"`
	Time    string          `json:"time"`
	Address string          `json:"address"`
	XDomain bool            `json:"xdomain"`
	Secure  bool            `json:"secure"`
	Issued  int64           `json:"issued"`
	URL     string          `json:"url"`
	Query   map[string]any  `json:"query"`
	Auth    json.RawMessage `json:"auth"`
}

// jsDate is the layout of JavaScript's Date.prototype.toString, without the
// time zone name.
const jsDate = "Mon Jan 02 2006 15:04:05 GMT-0700"

// MarshalJSON implements json.Marshaler (Node's shape).
func (h Handshake) MarshalJSON() ([]byte, error) {
	auth := h.Auth
	if len(auth) == 0 {
		auth = json.RawMessage("{}")
	}
	return json.Marshal(handshakeJSON{
		Headers: flatten(h.Headers),
		Time:    h.Time.Format(jsDate),
		Address: h.Address,
		XDomain: h.XDomain,
		Secure:  h.Secure,
		Issued:  h.Time.UnixMilli(),
		URL:     h.URL,
		Query:   flatten(h.Query),
		Auth:    auth,
	})
}

// UnmarshalJSON implements json.Unmarshaler (Node's shape). Time is taken
// from issued.
func (h *Handshake) UnmarshalJSON(b []byte) error {
	var j handshakeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("bus: handshake: %w", err)
	}
	*h = Handshake{
		Headers: unflatten(j.Headers),
		Query:   unflatten(j.Query),
		Auth:    j.Auth,
		Address: j.Address,
		Time:    time.UnixMilli(j.Issued),
		URL:     j.URL,
		Secure:  j.Secure,
		XDomain: j.XDomain,
	}
	return nil
}

// flatten turns single values into strings, as Node's parsed headers/query.
func flatten(m map[string][]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if len(v) == 1 {
			out[k] = v[0]
		} else {
			out[k] = v
		}
	}
	return out
}

func unflatten(m map[string]any) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = []string{v}
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					out[k] = append(out[k], s)
				}
			}
		default:
			out[k] = []string{fmt.Sprint(v)}
		}
	}
	return out
}
