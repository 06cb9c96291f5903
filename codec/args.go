package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

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

// ArgsOf returns Args over Go values (the in-process form). The values are
// shared, not copied.
func ArgsOf(values ...any) Args {
	if values == nil {
		values = []any{}
	}
	return Args{Values: values}
}

// SplitArgs splits a JSON array into Args with the given attachments. The
// elements alias data, trimmed of surrounding spaces. Data that is not valid
// JSON or not an array is a *SyntaxError. Placeholders are checked only
// when decoded.
func SplitArgs(data json.RawMessage, attachments [][]byte) (Args, error) {
	raw, ok := appendElements(make([]json.RawMessage, 0, 4), data, 0)
	if !ok {
		return Args{}, &SyntaxError{Offset: jsonErrorOffset(data), Msg: "invalid JSON arguments"}
	}
	if i := skipSpace(data, 0); data[i] != '[' {
		return Args{}, &SyntaxError{Offset: i, Msg: "arguments are not an array"}
	}
	return Args{Raw: raw, Attachments: attachments}, nil
}

// jsonErrorOffset returns where encoding/json finds data invalid.
func jsonErrorOffset(data []byte) int {
	var raw json.RawMessage
	if se, ok := json.Unmarshal(data, &raw).(*json.SyntaxError); ok {
		return int(se.Offset)
	}
	return 0
}

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
//
// Decoded []byte values alias the attachments (or, for Values, the sender's
// slices); treat them as read-only. An `any` field inside a typed target
// receives a placeholder's bytes as a base64 string, as encoding/json would
// have sent them.
func (a Args) Decode(i int, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("codec: argument %d: panic: %v", i, r)
		}
	}()
	if err := a.decode(i, v); err != nil {
		return fmt.Errorf("codec: argument %d: %w", i, err)
	}
	return nil
}

func (a Args) decode(i int, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	if a.Values != nil {
		if i < 0 || i >= len(a.Values) {
			return ErrNoArg
		}
		return decodeValue(a.Values[i], rv.Elem(), v)
	}
	if i < 0 || i >= len(a.Raw) {
		return ErrNoArg
	}
	return decodeRaw(a.Raw[i], a.Attachments, v)
}

// decodeValue assigns x to dst (which v points at) or converts it through
// JSON.
func decodeValue(x any, dst reflect.Value, v any) error {
	if x != nil && reflect.TypeOf(x).AssignableTo(dst.Type()) {
		dst.Set(reflect.ValueOf(x))
		return nil
	}
	raw, atts, err := AppendValue(nil, x)
	if err != nil {
		return err
	}
	return decodeRaw(raw, atts, v)
}

var placeholderKey = []byte(`"_placeholder"`)

// decodeRaw decodes one raw element into v, resolving placeholders.
func decodeRaw(raw []byte, atts [][]byte, v any) error {
	if len(atts) == 0 {
		return json.Unmarshal(raw, v)
	}
	switch p := v.(type) {
	case *[]byte:
		num, ok, err := placeholderNum(raw, len(atts))
		if err != nil {
			return err
		}
		if ok {
			*p = atts[num]
			return nil
		}
	case *any:
		var x any
		if err := json.Unmarshal(raw, &x); err != nil {
			return err
		}
		x, err := resolve(x, atts)
		if err != nil {
			return err
		}
		*p = x
		return nil
	case *[]any:
		var x []any
		if err := json.Unmarshal(raw, &x); err != nil {
			return err
		}
		if _, err := resolve(x, atts); err != nil {
			return err
		}
		*p = x
		return nil
	case *map[string]any:
		var x map[string]any
		if err := json.Unmarshal(raw, &x); err != nil {
			return err
		}
		if _, err := resolve(x, atts); err != nil {
			return err
		}
		*p = x
		return nil
	}
	if !bytes.Contains(raw, placeholderKey) {
		return json.Unmarshal(raw, v)
	}
	if !valid(raw) {
		return json.Unmarshal(raw, v) // reports the syntax error
	}
	rewritten, err := rewritePlaceholders(nil, raw, atts)
	if err != nil {
		return err
	}
	return json.Unmarshal(rewritten, v)
}

// resolve replaces placeholder objects in a decoded tree with their
// attachments, in place where it can, and returns the new tree.
func resolve(x any, atts [][]byte) (any, error) {
	switch t := x.(type) {
	case map[string]any:
		if ph, _ := t["_placeholder"].(bool); ph {
			f, ok := t["num"].(float64)
			n := int(f)
			if !ok || float64(n) != f || n < 0 || n >= len(atts) {
				return nil, fmt.Errorf("%w: num %v with %d attachments", errPlaceholder, t["num"], len(atts))
			}
			return atts[n], nil
		}
		for k, v := range t {
			r, err := resolve(v, atts)
			if err != nil {
				return nil, err
			}
			t[k] = r
		}
	case []any:
		for i, v := range t {
			r, err := resolve(v, atts)
			if err != nil {
				return nil, err
			}
			t[i] = r
		}
	}
	return x, nil
}

// placeholderNum reports whether the valid JSON value raw is a placeholder
// object and, if so, its attachment index, checked against n.
func placeholderNum(raw []byte, n int) (int, bool, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' || !bytes.Contains(raw, placeholderKey) {
		return 0, false, nil
	}
	var ph bool
	var num []byte
	_, _ = eachMember(raw, i, func(key, val []byte) error {
		switch string(key) {
		case `"_placeholder"`:
			ph = string(val) == "true"
		case `"num"`:
			num = val
		}
		return nil
	})
	if !ph {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(string(num), 64)
	k := int(f)
	if err != nil || float64(k) != f || k < 0 || k >= n {
		return 0, false, fmt.Errorf("%w: num %s with %d attachments", errPlaceholder, num, n)
	}
	return k, true, nil
}

// rewritePlaceholders appends the valid JSON value raw with every
// placeholder replaced by the base64 string of its attachment, so that
// encoding/json fills []byte fields from it.
func rewritePlaceholders(dst, raw []byte, atts [][]byte) ([]byte, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || !bytes.Contains(raw, placeholderKey) {
		return append(dst, raw...), nil
	}
	var err error
	switch raw[i] {
	case '{':
		num, ok, perr := placeholderNum(raw, len(atts))
		if perr != nil {
			return nil, perr
		}
		if ok {
			return appendBase64String(dst, atts[num]), nil
		}
		dst = append(dst, '{')
		first := true
		_, err = eachMember(raw, i, func(key, val []byte) error {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, key...)
			dst = append(dst, ':')
			var err error
			dst, err = rewritePlaceholders(dst, val, atts)
			return err
		})
		dst = append(dst, '}')
	case '[':
		dst = append(dst, '[')
		first := true
		_, err = eachElement(raw, i, func(el []byte) error {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			var err error
			dst, err = rewritePlaceholders(dst, el, atts)
			return err
		})
		dst = append(dst, ']')
	default:
		dst = append(dst, raw...)
	}
	return dst, err
}

// Any decodes every argument into any (placeholders become []byte).
func (a Args) Any() ([]any, error) {
	out := make([]any, a.Len())
	for i := range out {
		if err := a.Decode(i, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AppendJSON appends the JSON array of the arguments with their placeholders,
// byte for byte as received, so a handler can re-emit them unchanged. For
// Values it writes AppendArgs' form (a value that does not marshal becomes
// null); the attachments are then not returned: use AppendArgs on Values to
// get them.
func (a Args) AppendJSON(dst []byte) []byte {
	if a.Values != nil {
		if out, _, err := AppendArgs(dst, a.Values); err == nil {
			return out
		}
		dst = append(dst, '[')
		for i, v := range a.Values {
			if i > 0 {
				dst = append(dst, ',')
			}
			out, _, err := AppendValue(dst, v)
			if err != nil {
				out = append(dst, "null"...)
			}
			dst = out
		}
		return append(dst, ']')
	}
	dst = append(dst, '[')
	for i, r := range a.Raw {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, r...)
	}
	return append(dst, ']')
}
