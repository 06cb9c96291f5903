package codec

import "encoding/json"

// AppendArgs appends the JSON array of args to dst, replacing every []byte
// found anywhere inside them (slices, maps, struct fields, pointers) with
// {"_placeholder":true,"num":N} in depth-first order, and returns the
// attachments in that order. json.RawMessage and json.Marshaler values are
// written as they are. Values that cannot contain []byte are marshalled by
// encoding/json directly (the check is cached per type). A value that does
// not marshal is an error naming its index.
func AppendArgs(dst []byte, args []any) ([]byte, [][]byte, error) { panic("unimplemented") }

// Args are the decoded-on-demand arguments of an event or ack: raw JSON
// elements plus the attachments their placeholders point at. An Args is
// read-only and safe to share.
type Args struct {
	Raw         []json.RawMessage
	Attachments [][]byte
	// Values, when non-nil, holds the arguments as Go values from an
	// in-process peer; Raw and Attachments are then unused. Decode assigns a
	// value directly when its type fits the target and otherwise converts it
	// through JSON (with []byte kept as bytes).
	Values []any
}

// ArgsOf returns Args over Go values (the in-process form).
func ArgsOf(values ...any) Args { panic("unimplemented") }

// SplitArgs splits a JSON array into Args with the given attachments.
func SplitArgs(data json.RawMessage, attachments [][]byte) (Args, error) { panic("unimplemented") }

// Len returns the number of arguments.
func (a Args) Len() int {
	if a.Values != nil {
		return len(a.Values)
	}
	return len(a.Raw)
}

// Decode decodes argument i into v (a non-nil pointer), resolving
// placeholders: into []byte (or a []byte field) the attachment itself; into
// any (or a map/slice of any) placeholders become []byte and numbers float64.
// A missing index is ErrNoArg; a mismatch is the json error, wrapped with the
// index. It never panics.
func (a Args) Decode(i int, v any) error { panic("unimplemented") }

// Any decodes every argument into any (placeholders become []byte).
func (a Args) Any() ([]any, error) { panic("unimplemented") }

// AppendJSON appends the JSON array of the arguments with their placeholders,
// byte for byte as received, so a handler can re-emit them unchanged.
func (a Args) AppendJSON(dst []byte) []byte { panic("unimplemented") }
