package redisadapter

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// maxDepth bounds the nesting of values the transcoders accept.
const maxDepth = 256

// ErrMsgpack reports msgpack that cannot be turned into Socket.IO arguments.
var ErrMsgpack = errors.New("redisadapter: invalid msgpack")

// ErrJSON reports JSON arguments that cannot be turned into msgpack.
var ErrJSON = errors.New("redisadapter: invalid JSON")

// AppendMsgpack appends the msgpack form of data, a JSON value whose
// Socket.IO placeholders ({"_placeholder":true,"num":N}) stand for
// attachments, as notepack.io (the Node adapter's encoder) writes it:
// object keys in their JSON order, integral numbers in the smallest integer
// form, other numbers as float64, placeholders as bin with the attachment's
// bytes. It does not retain data or attachments. On error dst is returned
// unchanged with an error wrapping ErrJSON.
func AppendMsgpack(dst []byte, data json.RawMessage, attachments [][]byte) ([]byte, error) {
	j := jsonReader{b: data, atts: attachments}
	out, err := j.value(dst, 0)
	if err == nil {
		j.space()
		if j.i != len(j.b) {
			err = j.fail("trailing data")
		}
	}
	if err != nil {
		return dst, err
	}
	return out, nil
}

// AppendJSON appends the JSON form of the msgpack value msg, replacing bin
// values with Socket.IO placeholders, and returns the attachments in
// placeholder order (they alias msg). Timestamps become ISO 8601 strings
// (as JSON.stringify writes a Date), other extensions null, NaN and
// infinities null. Map keys must be strings or integers. On error dst is
// returned unchanged with an error wrapping ErrMsgpack.
func AppendJSON(dst, msg []byte) ([]byte, [][]byte, error) {
	m := mpReader{b: msg}
	out, err := m.value(dst, 0)
	if err == nil && m.i != len(m.b) {
		err = m.fail("trailing data")
	}
	if err != nil {
		return dst, nil, err
	}
	return out, m.atts, nil
}

// ---- msgpack writing (notepack forms) ----

func appendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(dst, uint64(v))
	case v >= -32:
		return append(dst, byte(v))
	case v >= math.MinInt8:
		return append(dst, 0xd0, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(dst, 0xd1), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(dst, 0xd2), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(v))
}

func appendUint(dst []byte, v uint64) []byte {
	switch {
	case v < 128:
		return append(dst, byte(v))
	case v <= math.MaxUint8:
		return append(dst, 0xcc, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xcd), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcf), v)
}

func appendFloat(dst []byte, f float64) []byte {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return appendInt(dst, int64(f))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcb), math.Float64bits(f))
}

func appendStrHeader(dst []byte, n int) []byte {
	switch {
	case n < 32:
		return append(dst, 0xa0|byte(n))
	case n <= math.MaxUint8:
		return append(dst, 0xd9, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xda), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(dst, 0xdb), uint32(n))
}

func appendStr(dst []byte, s string) []byte {
	return append(appendStrHeader(dst, len(s)), s...)
}

func appendBin(dst, b []byte) []byte {
	n := len(b)
	switch {
	case n <= math.MaxUint8:
		dst = append(dst, 0xc4, byte(n))
	case n <= math.MaxUint16:
		dst = binary.BigEndian.AppendUint16(append(dst, 0xc5), uint16(n))
	default:
		dst = binary.BigEndian.AppendUint32(append(dst, 0xc6), uint32(n))
	}
	return append(dst, b...)
}

// appendHeader appends an array (base 0x90) or map (base 0x80) header.
func appendHeader(dst []byte, base byte, n int) []byte {
	long := byte(0xdc) // array16
	if base == 0x80 {
		long = 0xde // map16
	}
	switch {
	case n < 16:
		return append(dst, base|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, long), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(dst, long+1), uint32(n))
}

// fixHeader replaces the 5 bytes reserved at start with the header of n
// elements, moving what follows.
func fixHeader(dst []byte, start int, base byte, n int) []byte {
	var tmp [5]byte
	h := appendHeader(tmp[:0], base, n)
	copy(dst[start+len(h):], dst[start+5:])
	dst = dst[:len(dst)-(5-len(h))]
	copy(dst[start:], h)
	return dst
}

// ---- JSON -> msgpack ----

type jsonReader struct {
	b    []byte
	i    int
	atts [][]byte
}

func (j *jsonReader) fail(msg string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrJSON, msg, j.i)
}

func (j *jsonReader) space() {
	for j.i < len(j.b) {
		switch j.b[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

func (j *jsonReader) literal(dst []byte, lit string, code byte) ([]byte, error) {
	if len(j.b)-j.i < len(lit) || string(j.b[j.i:j.i+len(lit)]) != lit {
		return dst, j.fail("invalid literal")
	}
	j.i += len(lit)
	return append(dst, code), nil
}

func (j *jsonReader) value(dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, j.fail("nesting too deep")
	}
	j.space()
	if j.i >= len(j.b) {
		return dst, j.fail("unexpected end")
	}
	switch c := j.b[j.i]; {
	case c == '{':
		return j.object(dst, depth)
	case c == '[':
		return j.array(dst, depth)
	case c == '"':
		s, err := j.str()
		if err != nil {
			return dst, err
		}
		return appendStr(dst, s), nil
	case c == 't':
		return j.literal(dst, "true", 0xc3)
	case c == 'f':
		return j.literal(dst, "false", 0xc2)
	case c == 'n':
		return j.literal(dst, "null", 0xc0)
	case c == '-' || ('0' <= c && c <= '9'):
		return j.number(dst)
	}
	return dst, j.fail("unexpected character")
}

func (j *jsonReader) array(dst []byte, depth int) ([]byte, error) {
	j.i++ // '['
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	n := 0
	j.space()
	if j.i < len(j.b) && j.b[j.i] == ']' {
		j.i++
		return fixHeader(dst, start, 0x90, 0), nil
	}
	for {
		var err error
		if dst, err = j.value(dst, depth+1); err != nil {
			return dst, err
		}
		n++
		j.space()
		if j.i >= len(j.b) {
			return dst, j.fail("unterminated array")
		}
		c := j.b[j.i]
		j.i++
		if c == ']' {
			return fixHeader(dst, start, 0x90, n), nil
		}
		if c != ',' {
			return dst, j.fail("expected , or ]")
		}
	}
}

func (j *jsonReader) object(dst []byte, depth int) ([]byte, error) {
	j.i++ // '{'
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	n := 0
	isPlaceholder, num := false, -1
	j.space()
	if j.i < len(j.b) && j.b[j.i] == '}' {
		j.i++
		return fixHeader(dst, start, 0x80, 0), nil
	}
	for {
		j.space()
		if j.i >= len(j.b) || j.b[j.i] != '"' {
			return dst, j.fail("expected object key")
		}
		key, err := j.str()
		if err != nil {
			return dst, err
		}
		j.space()
		if j.i >= len(j.b) || j.b[j.i] != ':' {
			return dst, j.fail("expected :")
		}
		j.i++
		dst = appendStr(dst, key)
		vstart := len(dst)
		if dst, err = j.value(dst, depth+1); err != nil {
			return dst, err
		}
		switch v := dst[vstart:]; key {
		case "_placeholder":
			isPlaceholder = len(v) == 1 && v[0] == 0xc3
		case "num":
			if len(v) >= 1 && v[0] < 0x80 {
				num = int(v[0])
			} else if len(v) >= 2 && v[0] >= 0xcc && v[0] <= 0xcf {
				num = int(readUint(v[1:], v[0]))
			}
		}
		n++
		j.space()
		if j.i >= len(j.b) {
			return dst, j.fail("unterminated object")
		}
		c := j.b[j.i]
		j.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return dst, j.fail("expected , or }")
		}
	}
	if n == 2 && isPlaceholder && num >= 0 && num < len(j.atts) {
		return appendBin(dst[:start], j.atts[num]), nil
	}
	return fixHeader(dst, start, 0x80, n), nil
}

// readUint reads the big-endian unsigned integer following code c.
func readUint(b []byte, c byte) uint64 {
	switch c {
	case 0xcc:
		return uint64(b[0])
	case 0xcd:
		return uint64(binary.BigEndian.Uint16(b))
	case 0xce:
		return uint64(binary.BigEndian.Uint32(b))
	}
	return binary.BigEndian.Uint64(b)
}

func (j *jsonReader) str() (string, error) {
	s := j.i
	j.i++ // '"'
	plain := true
	for j.i < len(j.b) {
		c := j.b[j.i]
		switch {
		case c == '"':
			j.i++
			if plain {
				return string(j.b[s+1 : j.i-1]), nil
			}
			var out string
			if err := json.Unmarshal(j.b[s:j.i], &out); err != nil {
				return "", j.fail("invalid string")
			}
			return out, nil
		case c == '\\':
			plain = false
			j.i += 2
		case c < 0x20:
			return "", j.fail("control character in string")
		default:
			if c >= 0x80 {
				plain = false
			}
			j.i++
		}
	}
	return "", j.fail("unterminated string")
}

func (j *jsonReader) digits() int {
	s := j.i
	for j.i < len(j.b) && '0' <= j.b[j.i] && j.b[j.i] <= '9' {
		j.i++
	}
	return j.i - s
}

// number reads a number of the JSON grammar:
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (j *jsonReader) number(dst []byte) ([]byte, error) {
	s := j.i
	if j.b[j.i] == '-' {
		j.i++
	}
	d := j.i
	if n := j.digits(); n == 0 || (n > 1 && j.b[d] == '0') {
		return dst, j.fail("invalid number")
	}
	integral := true
	if j.i < len(j.b) && j.b[j.i] == '.' {
		j.i++
		integral = false
		if j.digits() == 0 {
			return dst, j.fail("invalid number")
		}
	}
	if j.i < len(j.b) && (j.b[j.i] == 'e' || j.b[j.i] == 'E') {
		j.i++
		integral = false
		if j.i < len(j.b) && (j.b[j.i] == '+' || j.b[j.i] == '-') {
			j.i++
		}
		if j.digits() == 0 {
			return dst, j.fail("invalid number")
		}
	}
	lit := string(j.b[s:j.i])
	if integral {
		if v, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return appendInt(dst, v), nil
		}
		if v, err := strconv.ParseUint(lit, 10, 64); err == nil {
			return appendUint(dst, v), nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return dst, j.fail("invalid number")
	}
	return appendFloat(dst, f), nil
}

// ---- msgpack -> JSON ----

type mpReader struct {
	b    []byte
	i    int
	atts [][]byte
}

func (m *mpReader) fail(msg string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrMsgpack, msg, m.i)
}

// take returns the next n bytes.
func (m *mpReader) take(n int) ([]byte, error) {
	if n < 0 || len(m.b)-m.i < n {
		return nil, m.fail("unexpected end")
	}
	b := m.b[m.i : m.i+n : m.i+n]
	m.i += n
	return b, nil
}

// size reads a big-endian length of w bytes.
func (m *mpReader) size(w int) (int, error) {
	b, err := m.take(w)
	if err != nil {
		return 0, err
	}
	switch w {
	case 1:
		return int(b[0]), nil
	case 2:
		return int(binary.BigEndian.Uint16(b)), nil
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(m.b)) { // every element takes at least a byte
		return 0, m.fail("length exceeds message")
	}
	return int(n), nil
}

func (m *mpReader) value(dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, m.fail("nesting too deep")
	}
	if m.i >= len(m.b) {
		return dst, m.fail("unexpected end")
	}
	c := m.b[m.i]
	m.i++
	switch {
	case c <= 0x7f:
		return strconv.AppendInt(dst, int64(c), 10), nil
	case c >= 0xe0:
		return strconv.AppendInt(dst, int64(int8(c)), 10), nil
	case c&0xf0 == 0x80:
		return m.mapValue(dst, int(c&0x0f), depth)
	case c&0xf0 == 0x90:
		return m.array(dst, int(c&0x0f), depth)
	case c&0xe0 == 0xa0:
		return m.str(dst, int(c&0x1f))
	}
	switch c {
	case 0xc0:
		return append(dst, "null"...), nil
	case 0xc2:
		return append(dst, "false"...), nil
	case 0xc3:
		return append(dst, "true"...), nil
	case 0xc4, 0xc5, 0xc6:
		n, err := m.size(1 << (c - 0xc4))
		if err != nil {
			return dst, err
		}
		b, err := m.take(n)
		if err != nil {
			return dst, err
		}
		dst = append(dst, `{"_placeholder":true,"num":`...)
		dst = strconv.AppendInt(dst, int64(len(m.atts)), 10)
		m.atts = append(m.atts, b)
		return append(dst, '}'), nil
	case 0xc7, 0xc8, 0xc9:
		n, err := m.size(1 << (c - 0xc7))
		if err != nil {
			return dst, err
		}
		return m.ext(dst, n)
	case 0xca:
		b, err := m.take(4)
		if err != nil {
			return dst, err
		}
		return appendJSONFloat(dst, float64(math.Float32frombits(binary.BigEndian.Uint32(b))), 32), nil
	case 0xcb:
		b, err := m.take(8)
		if err != nil {
			return dst, err
		}
		return appendJSONFloat(dst, math.Float64frombits(binary.BigEndian.Uint64(b)), 64), nil
	case 0xcc, 0xcd, 0xce, 0xcf:
		b, err := m.take(1 << (c - 0xcc))
		if err != nil {
			return dst, err
		}
		return strconv.AppendUint(dst, readUint(b, c), 10), nil
	case 0xd0, 0xd1, 0xd2, 0xd3:
		b, err := m.take(1 << (c - 0xd0))
		if err != nil {
			return dst, err
		}
		u := readUint(b, c-0xd0+0xcc)
		var v int64
		switch c {
		case 0xd0:
			v = int64(int8(u))
		case 0xd1:
			v = int64(int16(u))
		case 0xd2:
			v = int64(int32(u))
		default:
			v = int64(u)
		}
		return strconv.AppendInt(dst, v, 10), nil
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return m.ext(dst, 1<<(c-0xd4))
	case 0xd9, 0xda, 0xdb:
		n, err := m.size(1 << (c - 0xd9))
		if err != nil {
			return dst, err
		}
		return m.str(dst, n)
	case 0xdc, 0xdd:
		n, err := m.size(2 << (c - 0xdc))
		if err != nil {
			return dst, err
		}
		return m.array(dst, n, depth)
	case 0xde, 0xdf:
		n, err := m.size(2 << (c - 0xde))
		if err != nil {
			return dst, err
		}
		return m.mapValue(dst, n, depth)
	}
	m.i--
	return dst, m.fail("invalid code " + strconv.Itoa(int(c)))
}

// ext reads the type byte and n bytes of an extension value.
func (m *mpReader) ext(dst []byte, n int) ([]byte, error) {
	t, err := m.take(1)
	if err != nil {
		return dst, err
	}
	b, err := m.take(n)
	if err != nil {
		return dst, err
	}
	if int8(t[0]) != -1 {
		return append(dst, "null"...), nil
	}
	var ts time.Time
	switch n {
	case 4:
		ts = time.Unix(int64(binary.BigEndian.Uint32(b)), 0)
	case 8:
		v := binary.BigEndian.Uint64(b)
		ts = time.Unix(int64(v&(1<<34-1)), int64(v>>34))
	case 12:
		ts = time.Unix(int64(binary.BigEndian.Uint64(b[4:])), int64(binary.BigEndian.Uint32(b)))
	default:
		return append(dst, "null"...), nil
	}
	dst = append(dst, '"')
	dst = ts.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	return append(dst, '"'), nil
}

func (m *mpReader) str(dst []byte, n int) ([]byte, error) {
	b, err := m.take(n)
	if err != nil {
		return dst, err
	}
	return appendJSONString(dst, b), nil
}

func (m *mpReader) array(dst []byte, n, depth int) ([]byte, error) {
	if n > len(m.b)-m.i {
		return dst, m.fail("length exceeds message")
	}
	dst = append(dst, '[')
	for k := range n {
		if k > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = m.value(dst, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

func (m *mpReader) mapValue(dst []byte, n, depth int) ([]byte, error) {
	if n > len(m.b)-m.i {
		return dst, m.fail("length exceeds message")
	}
	dst = append(dst, '{')
	for k := range n {
		if k > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = m.key(dst); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if dst, err = m.value(dst, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// key writes a map key: a string, or an integer as its decimal string.
func (m *mpReader) key(dst []byte) ([]byte, error) {
	if m.i >= len(m.b) {
		return dst, m.fail("unexpected end")
	}
	c := m.b[m.i]
	isStr := c&0xe0 == 0xa0 || (c >= 0xd9 && c <= 0xdb)
	isInt := c <= 0x7f || c >= 0xe0 || (c >= 0xcc && c <= 0xcf) || (c >= 0xd0 && c <= 0xd3)
	switch {
	case isStr:
		return m.value(dst, 0)
	case isInt:
		dst = append(dst, '"')
		dst, err := m.value(dst, 0)
		return append(dst, '"'), err
	}
	return dst, m.fail("map key is not a string")
}

// appendJSONFloat writes f as JavaScript's JSON.stringify does (null for
// NaN and infinities).
func appendJSONFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0') // also -0, as JSON.stringify
	}
	abs := math.Abs(f)
	if abs < 1e-6 || abs >= 1e21 {
		dst = strconv.AppendFloat(dst, f, 'e', -1, bits)
		// e-07 -> e-7, as JavaScript writes exponents.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
		return dst
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bits)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes b as a JSON string, as JSON.stringify would
// (invalid UTF-8 becomes U+FFFD).
func appendJSONString(dst, b []byte) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\ufffd"...)
		} else {
			dst = append(dst, b[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
