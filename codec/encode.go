package codec

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// AppendArgs appends the JSON array of args to dst, replacing every []byte
// found anywhere inside them (slices, maps, struct fields, pointers) with
// {"_placeholder":true,"num":N} in depth-first order, and returns the
// attachments in that order. A json.RawMessage is written byte for byte
// (spaces kept; it must be valid JSON, checked without allocating), a
// json.Marshaler as encoding/json writes it. Values that cannot contain []byte are marshalled by
// encoding/json directly (the check is cached per type). A value that does
// not marshal is an error naming its index.
//
// An Args among args (not nested inside another value) is spliced in: it
// stands for its own arguments, so that received arguments are re-sent
// unchanged. Its Raw elements are written byte for byte, except that the
// num of each real placeholder (an object whose "_placeholder" is true) is
// increased by the number of attachments collected before it, and its
// Attachments are appended after them; an Args in the Values form is
// expanded as Go values. A raw element that is not valid JSON, or whose
// placeholder does not index the Args' attachments, is an error. (In an
// Args without attachments nothing is a placeholder: a lookalike object is
// written unchanged, and reads as a placeholder if the packet ends up with
// attachments, as with Node's encoder.)
//
// Strings are written as JavaScript's JSON.stringify writes them (no HTML
// escaping), map keys sorted as encoding/json sorts them, and a nil []byte
// as null. The attachments alias the caller's slices. On error dst is
// returned unchanged.
func AppendArgs(dst []byte, args []any) ([]byte, [][]byte, error) {
	e := encoder{dst: dst}
	e.dst = append(e.dst, '[')
	n := 0
	if err := e.args(args, &n); err != nil {
		return dst, nil, fmt.Errorf("codec: %w", err)
	}
	return append(e.dst, ']'), e.atts, nil
}

// AppendValue appends one value as JSON with placeholders, as AppendArgs
// does for each argument; it suits CONNECT and CONNECT_ERROR payloads.
func AppendValue(dst []byte, v any) ([]byte, [][]byte, error) {
	e := encoder{dst: dst}
	if err := e.value(v); err != nil {
		return dst, nil, fmt.Errorf("codec: %w", err)
	}
	return e.dst, e.atts, nil
}

// encoder writes JSON with placeholders.
type encoder struct {
	dst  []byte
	atts [][]byte
}

// value writes v, turning any panic of a reflection path or of a user
// MarshalJSON into an error.
func (e *encoder) value(v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("encoding %T: panic: %v", v, r)
		}
	}()
	return e.any(v)
}

func (e *encoder) any(v any) error {
	switch x := v.(type) {
	case nil:
		e.dst = append(e.dst, "null"...)
	case string:
		e.dst = appendString(e.dst, x)
	case bool:
		e.dst = strconv.AppendBool(e.dst, x)
	case int:
		e.dst = strconv.AppendInt(e.dst, int64(x), 10)
	case int64:
		e.dst = strconv.AppendInt(e.dst, x, 10)
	case int32:
		e.dst = strconv.AppendInt(e.dst, int64(x), 10)
	case uint64:
		e.dst = strconv.AppendUint(e.dst, x, 10)
	case uint32:
		e.dst = strconv.AppendUint(e.dst, uint64(x), 10)
	case float64:
		return e.float(x, 64)
	case float32:
		return e.float(float64(x), 32)
	case json.RawMessage:
		return e.raw(x)
	case []byte:
		e.bytes(x)
	case []any:
		if x == nil {
			e.dst = append(e.dst, "null"...)
			return nil
		}
		e.dst = append(e.dst, '[')
		for i, el := range x {
			if i > 0 {
				e.dst = append(e.dst, ',')
			}
			if err := e.any(el); err != nil {
				return err
			}
		}
		e.dst = append(e.dst, ']')
	case map[string]any:
		return e.mapAny(x)
	default:
		return e.reflect(reflect.ValueOf(v))
	}
	return nil
}

func (e *encoder) null() { e.dst = append(e.dst, "null"...) }

// bytes writes a placeholder for b (null for a nil slice).
func (e *encoder) bytes(b []byte) {
	if b == nil {
		e.null()
		return
	}
	e.dst = append(e.dst, `{"_placeholder":true,"num":`...)
	e.dst = strconv.AppendInt(e.dst, int64(len(e.atts)), 10)
	e.dst = append(e.dst, '}')
	e.atts = append(e.atts, b)
}

// raw writes x byte for byte (nil as null), once checked to be valid JSON.
func (e *encoder) raw(x json.RawMessage) error {
	if x == nil {
		e.null()
		return nil
	}
	if !valid(x) {
		return &SyntaxError{Offset: jsonErrorOffset(x), Msg: "invalid json.RawMessage"}
	}
	e.dst = append(e.dst, x...)
	return nil
}

// float writes f as encoding/json and JSON.stringify do.
func (e *encoder) float(f float64, bits int) error {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	if f == 0 {
		e.dst = append(e.dst, '0') // JSON.stringify writes -0 as 0
		return nil
	}
	abs := math.Abs(f)
	format := byte('f')
	if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(e.dst, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	e.dst = b
	return nil
}

func (e *encoder) mapAny(m map[string]any) error {
	if m == nil {
		e.null()
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.dst = append(e.dst, '{')
	for i, k := range keys {
		if i > 0 {
			e.dst = append(e.dst, ',')
		}
		e.dst = appendString(e.dst, k)
		e.dst = append(e.dst, ':')
		if err := e.any(m[k]); err != nil {
			return err
		}
	}
	e.dst = append(e.dst, '}')
	return nil
}

// plainEncoder marshals values that hold no []byte, without HTML escaping.
type plainEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var plainPool = sync.Pool{New: func() any {
	p := &plainEncoder{}
	p.enc = json.NewEncoder(&p.buf)
	p.enc.SetEscapeHTML(false)
	return p
}}

func (e *encoder) plain(v any) error {
	p := plainPool.Get().(*plainEncoder)
	p.buf.Reset()
	err := p.enc.Encode(v)
	if err == nil {
		b := p.buf.Bytes()
		e.dst = append(e.dst, b[:len(b)-1]...) // drop Encode's newline
	}
	if p.buf.Cap() <= 64<<10 {
		plainPool.Put(p)
	}
	return err
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func isMarshaler(t reflect.Type) bool {
	return t.Implements(marshalerType) || t.Implements(textMarshalerType)
}

var bytesCache sync.Map // reflect.Type -> bool

// mayHoldBytes reports whether a value of type t can contain a []byte that
// AppendArgs must turn into an attachment (an interface may).
func mayHoldBytes(t reflect.Type) bool {
	if v, ok := bytesCache.Load(t); ok {
		return v.(bool)
	}
	r := holdsBytes(t, map[reflect.Type]bool{})
	bytesCache.Store(t, r)
	return r
}

func holdsBytes(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if isMarshaler(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return true
		}
		return holdsBytes(t.Elem(), visiting)
	case reflect.Array, reflect.Pointer, reflect.Map:
		return holdsBytes(t.Elem(), visiting)
	case reflect.Struct:
		if visiting[t] {
			return false // decided by the first visit
		}
		visiting[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if (f.IsExported() || f.Anonymous) && f.Tag.Get("json") != "-" && holdsBytes(f.Type, visiting) {
				return true
			}
		}
	}
	return false
}

// reflect writes v, walking it only where it may hold []byte: interfaces,
// pointers, slices, arrays, maps and structs. Everything else goes to
// encoding/json.
func (e *encoder) reflect(v reflect.Value) error {
	if !v.IsValid() {
		e.null()
		return nil
	}
	if !v.CanInterface() {
		return fmt.Errorf("cannot encode unexported %s", v.Type())
	}
	t := v.Type()
	if !mayHoldBytes(t) {
		return e.plain(v.Interface())
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			e.null()
			return nil
		}
		return e.any(v.Elem().Interface())
	case reflect.Pointer:
		if v.IsNil() {
			e.null()
			return nil
		}
		return e.reflect(v.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			e.bytes(v.Bytes())
			return nil
		}
		if v.IsNil() {
			e.null()
			return nil
		}
		return e.list(v)
	case reflect.Array:
		return e.list(v)
	case reflect.Map:
		return e.mapValue(v)
	default: // reflect.Struct, the only kind left that may hold []byte
		return e.structValue(v)
	}
}

func (e *encoder) list(v reflect.Value) error {
	e.dst = append(e.dst, '[')
	for i := range v.Len() {
		if i > 0 {
			e.dst = append(e.dst, ',')
		}
		if err := e.reflect(v.Index(i)); err != nil {
			return err
		}
	}
	e.dst = append(e.dst, ']')
	return nil
}

type mapEntry struct {
	key string
	val reflect.Value
}

func (e *encoder) mapValue(v reflect.Value) error {
	if v.IsNil() {
		e.null()
		return nil
	}
	entries := make([]mapEntry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k, err := mapKey(it.Key())
		if err != nil {
			return err
		}
		entries = append(entries, mapEntry{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b mapEntry) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	e.dst = append(e.dst, '{')
	for i, en := range entries {
		if i > 0 {
			e.dst = append(e.dst, ',')
		}
		e.dst = appendString(e.dst, en.key)
		e.dst = append(e.dst, ':')
		if err := e.reflect(en.val); err != nil {
			return err
		}
	}
	e.dst = append(e.dst, '}')
	return nil
}

// mapKey resolves a map key as encoding/json does.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if k.Type().Implements(textMarshalerType) && k.CanInterface() {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", &json.UnsupportedTypeError{Type: k.Type()}
}

func (e *encoder) structValue(v reflect.Value) error {
	e.dst = append(e.dst, '{')
	first := true
	for _, f := range cachedFields(v.Type()) {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || f.omitEmpty && isEmptyValue(fv) || f.omitZero && isZero(fv) {
			continue
		}
		if !first {
			e.dst = append(e.dst, ',')
		}
		first = false
		e.dst = appendString(e.dst, f.name)
		e.dst = append(e.dst, ':')
		if err := e.field(f, fv); err != nil {
			return err
		}
	}
	e.dst = append(e.dst, '}')
	return nil
}

// field writes one struct field, honouring the ",string" option for scalars.
func (e *encoder) field(f field, v reflect.Value) error {
	if !f.quoted {
		return e.reflect(v)
	}
	switch v.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		inner := encoder{}
		if err := inner.reflect(v); err != nil {
			return err
		}
		e.dst = appendString(e.dst, string(inner.dst))
		return nil
	}
	return e.reflect(v)
}

// fieldByIndex is v.FieldByIndex, reporting false at a nil embedded pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

type zeroer interface{ IsZero() bool }

func isZero(v reflect.Value) bool {
	if v.CanInterface() {
		if z, ok := v.Interface().(zeroer); ok {
			if v.Kind() == reflect.Pointer && v.IsNil() {
				return true
			}
			return z.IsZero()
		}
	}
	return v.IsZero()
}

// field is one JSON-visible struct field.
type field struct {
	name      string
	index     []int
	tagged    bool
	omitEmpty bool
	omitZero  bool
	quoted    bool
}

var fieldsCache sync.Map // reflect.Type -> []field

func cachedFields(t reflect.Type) []field {
	if f, ok := fieldsCache.Load(t); ok {
		return f.([]field)
	}
	f := typeFields(t)
	fieldsCache.Store(t, f)
	return f
}

// typeFields lists the fields encoding/json would write for struct type t,
// with embedded structs flattened and name conflicts resolved by depth and
// tags as encoding/json resolves them.
func typeFields(t reflect.Type) []field {
	type level struct {
		t     reflect.Type
		index []int
	}
	var all []field
	visited := map[reflect.Type]bool{}
	current := []level{{t: t}}
	for len(current) > 0 {
		var next []level
		var found []field
		for _, l := range current {
			if visited[l.t] {
				continue
			}
			visited[l.t] = true
			for i := range l.t.NumField() {
				sf := l.t.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts := parseTag(tag)
				index := append(slices.Clone(l.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{ft, index})
					continue
				}
				f := field{name: name, index: index, tagged: name != ""}
				if name == "" {
					f.name = sf.Name
				}
				f.omitEmpty = hasOpt(opts, "omitempty")
				f.omitZero = hasOpt(opts, "omitzero")
				f.quoted = hasOpt(opts, "string")
				found = append(found, f)
			}
		}
		all = append(all, dominant(found, all)...)
		current = next
	}
	slices.SortFunc(all, func(a, b field) int { return slices.Compare(a.index, b.index) })
	return all
}

// dominant keeps, among fields found at one depth, those whose name is not
// taken at a shallower depth and not ambiguous at this one.
func dominant(found, shallower []field) []field {
	taken := map[string]bool{}
	for _, f := range shallower {
		taken[f.name] = true
	}
	byName := map[string][]field{}
	for _, f := range found {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []field
	for _, f := range found {
		group := byName[f.name]
		if taken[f.name] || group == nil {
			continue
		}
		byName[f.name] = nil // handled
		if len(group) == 1 {
			out = append(out, f)
			continue
		}
		var tagged []field
		for _, g := range group {
			if g.tagged {
				tagged = append(tagged, g)
			}
		}
		if len(tagged) == 1 {
			out = append(out, tagged[0])
		}
		taken[f.name] = true // ambiguous: hidden at deeper levels too
	}
	return out
}

func parseTag(tag string) (string, string) {
	for i := range len(tag) {
		if tag[i] == ',' {
			return tag[:i], tag[i+1:]
		}
	}
	return tag, ""
}

func hasOpt(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = cutComma(opts)
		if o == name {
			return true
		}
	}
	return false
}

func cutComma(s string) (before, after string, found bool) {
	for i := range len(s) {
		if s[i] == ',' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way JSON.stringify does (no
// HTML escaping); invalid UTF-8 becomes \ufffd as in encoding/json.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendBase64String appends b as a quoted standard base64 JSON string.
func appendBase64String(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

var errPlaceholder = errors.New("codec: bad placeholder")
