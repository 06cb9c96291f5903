package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Splicing: an Args among the arguments of AppendArgs stands for its own
// arguments, so that a handler can re-send what it received unchanged
// (s.Emit("echo", e.Args), e.Ack(e.Args)).

// args writes the elements of list, splicing every Args among them; n counts
// the elements written so far (for the commas).
func (e *encoder) args(list []any, n *int) error {
	for i, a := range list {
		var err error
		if sub, ok := a.(Args); ok {
			err = e.splice(sub, n)
		} else {
			e.sep(n)
			err = e.value(a)
		}
		if err != nil {
			return fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return nil
}

// sep writes the comma before every element but the first.
func (e *encoder) sep(n *int) {
	if *n > 0 {
		e.dst = append(e.dst, ',')
	}
	*n++
}

// splice writes the arguments of a: Values as Go values, Raw elements as
// they are with their placeholders renumbered past the attachments already
// collected, followed by a's attachments.
func (e *encoder) splice(a Args, n *int) error {
	if a.Values != nil {
		return e.args(a.Values, n)
	}
	off := len(e.atts)
	for i, raw := range a.Raw {
		e.sep(n)
		if err := e.spliceRaw(raw, a.Attachments, off); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	e.atts = append(e.atts, a.Attachments...)
	return nil
}

// spliceRaw writes one raw element with the num of each real placeholder
// (an object whose "_placeholder" is true; its num must then index atts)
// increased by off. Every other byte is kept. Without attachments there are
// no placeholders: the element is written as it is.
func (e *encoder) spliceRaw(raw []byte, atts [][]byte, off int) error {
	if !valid(raw) {
		return &SyntaxError{Offset: jsonErrorOffset(raw), Msg: "invalid JSON argument"}
	}
	if len(atts) == 0 || !mayHoldPlaceholder(raw) {
		e.dst = append(e.dst, raw...)
		return nil
	}
	_, spans, err := findPlaceholders(raw, skipSpace(raw, 0), len(atts), nil)
	if err != nil {
		return err
	}
	if off == 0 {
		e.dst = append(e.dst, raw...)
		return nil
	}
	last := 0
	for _, s := range spans {
		e.dst = append(e.dst, raw[last:s.start]...)
		e.dst = strconv.AppendInt(e.dst, int64(s.num+off), 10)
		last = s.end
	}
	e.dst = append(e.dst, raw[last:]...)
	return nil
}

// mayHoldPlaceholder reports whether raw may contain a "_placeholder" key,
// written plainly or with \u escapes.
func mayHoldPlaceholder(raw []byte) bool {
	return bytes.Contains(raw, []byte("_placeholder")) || bytes.Contains(raw, []byte(`\u`))
}

// numSpan is where the num value of a placeholder is, and its value.
type numSpan struct{ start, end, num int }

// findPlaceholders appends the num spans of the placeholders inside the
// valid JSON value at b[i] (not a space), depth first, and returns the index
// past the value. A placeholder's members are not searched.
func findPlaceholders(b []byte, i, natts int, spans []numSpan) (int, []numSpan, error) {
	switch b[i] {
	case '{':
		return objectPlaceholders(b, i, natts, spans)
	case '[':
		i = skipSpace(b, i+1)
		if b[i] == ']' {
			return i + 1, spans, nil
		}
		for {
			var err error
			if i, spans, err = findPlaceholders(b, i, natts, spans); err != nil {
				return i, spans, err
			}
			i = skipSpace(b, i)
			if b[i] == ']' {
				return i + 1, spans, nil
			}
			i = skipSpace(b, i+1) // past ','
		}
	default:
		return skipValue(b, i), spans, nil
	}
}

// member is one member of an object: where its value starts and ends.
type member struct {
	key        []byte
	start, end int
}

// objectPlaceholders is findPlaceholders for the object at b[i] == '{'.
func objectPlaceholders(b []byte, i, natts int, spans []numSpan) (int, []numSpan, error) {
	var buf [8]member // most objects are small: no allocation
	members := buf[:0]
	i = skipSpace(b, i+1)
	for b[i] != '}' {
		ke := skipString(b, i)
		vs := skipSpace(b, skipSpace(b, ke)+1) // past ':'
		ve := skipValue(b, vs)
		members = append(members, member{b[i:ke], vs, ve})
		i = skipSpace(b, ve)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	end := i + 1
	var numBuf [2]member
	ph, nums := false, numBuf[:0]
	for _, m := range members {
		switch {
		case keyIs(m.key, "_placeholder"):
			ph = string(b[m.start:m.end]) == "true" // the last one counts, as in JSON.parse
		case keyIs(m.key, "num"):
			nums = append(nums, m)
		}
	}
	if !ph {
		for _, m := range members {
			var err error
			if _, spans, err = findPlaceholders(b, m.start, natts, spans); err != nil {
				return end, spans, err
			}
		}
		return end, spans, nil
	}
	if len(nums) == 0 {
		return end, spans, fmt.Errorf("%w: no num with %d attachments", errPlaceholder, natts)
	}
	numText := b[nums[len(nums)-1].start:nums[len(nums)-1].end]
	f, err := strconv.ParseFloat(string(numText), 64)
	k := int(f)
	if err != nil || float64(k) != f || k < 0 || k >= natts {
		return end, spans, fmt.Errorf("%w: num %s with %d attachments", errPlaceholder, numText, natts)
	}
	for _, m := range nums {
		spans = append(spans, numSpan{m.start, m.end, k})
	}
	return end, spans, nil
}

// keyIs reports whether the quoted key decodes to name.
func keyIs(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return len(key) == len(name)+2 && string(key[1:len(key)-1]) == name
	}
	var s string
	return json.Unmarshal(key, &s) == nil && s == name
}

// SpliceArgs returns args as one Args, every Args among them spliced in as
// AppendArgs does. When no Args in the Raw form is among them the result is
// in the Values form: args itself (not copied) when no Args at all is among
// them, otherwise a new slice with each Args replaced by its Values.
// Otherwise the result is in the Raw form (the JSON AppendArgs writes, split
// again), so that raw arguments keep their bytes and binary its
// placeholders. An error is AppendArgs' error.
//
// It is how an in-process peer receives arguments that hold an Args.
func SpliceArgs(args []any) (Args, error) {
	switch spliceKind(args) {
	case noArgs:
		return Args{Values: args}, nil
	case valueArgs:
		out := make([]any, 0, len(args))
		return Args{Values: appendSpliced(out, args)}, nil
	}
	data, atts, err := AppendArgs(nil, args)
	if err != nil {
		return Args{}, err
	}
	return SplitArgs(data, atts)
}

const (
	noArgs    = iota // no Args among the values
	valueArgs        // only Args in the Values form
	rawArgs          // an Args in the Raw form
)

// spliceKind classifies the Args found among values (recursively).
func spliceKind(values []any) int {
	kind := noArgs
	for _, v := range values {
		a, ok := v.(Args)
		if !ok {
			continue
		}
		if a.Values == nil {
			return rawArgs
		}
		kind = max(kind, valueArgs, spliceKind(a.Values))
		if kind == rawArgs {
			return rawArgs
		}
	}
	return kind
}

// appendSpliced appends values to dst with every Args (in the Values form)
// replaced by its values.
func appendSpliced(dst, values []any) []any {
	for _, v := range values {
		if a, ok := v.(Args); ok {
			dst = appendSpliced(dst, a.Values)
			continue
		}
		dst = append(dst, v)
	}
	return dst
}
