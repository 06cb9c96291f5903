package codec

import (
	"encoding/binary"
	"encoding/json"
)

// A JSON validator accepting exactly what encoding/json's Valid accepts (one
// value between optional spaces, strings not checked for UTF-8, nesting up to
// 10000 levels), several times faster: it is on the path of every inbound
// event and of every raw argument sent.

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// valid reports whether b is one valid JSON value, as json.Valid does.
func valid(b []byte) bool {
	_, ok := scan(b, nil, -1)
	return ok
}

// appendElements validates b as valid does and, when b is an array,
// appends its elements but the first skip ones to dst (trimmed of spaces,
// aliasing b), in the same pass.
func appendElements(dst []json.RawMessage, b []byte, skip int) ([]json.RawMessage, bool) {
	return scan(b, dst, skip)
}

// scan is valid, appending the elements of a top-level array but the first
// skip ones to dst unless skip < 0.
func scan(b []byte, dst []json.RawMessage, skip int) ([]json.RawMessage, bool) {
	var buf [64]byte
	stack := buf[:0] // the open containers, '[' or '{'
	i := skipSpace(b, 0)
	elems := skip >= 0 && i < len(b) && b[i] == '['
	start, n := 0, 0 // the element being read of a top-level array, and its index
	for {
		// A value starts at i.
		if i >= len(b) {
			return dst, false
		}
		if elems && len(stack) == 1 {
			start = i
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(stack) >= maxDepth {
				return dst, false
			}
			j := skipSpace(b, i+1)
			if j < len(b) && b[j] == c+2 { // '}' or ']'
				i = j + 1
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if i = objectKey(b, j); i < 0 {
					return dst, false
				}
			} else {
				i = j
			}
			continue
		case c == '"':
			if i = validString(b, i); i < 0 {
				return dst, false
			}
		case c == 't':
			if i = literal(b, i, "true"); i < 0 {
				return dst, false
			}
		case c == 'f':
			if i = literal(b, i, "false"); i < 0 {
				return dst, false
			}
		case c == 'n':
			if i = literal(b, i, "null"); i < 0 {
				return dst, false
			}
		default:
			if i = validNumber(b, i); i < 0 {
				return dst, false
			}
		}
		// A value ended at i: close containers until one goes on.
		for {
			if elems && len(stack) == 1 {
				if n >= skip {
					dst = append(dst, b[start:i:i])
				}
				n++
			}
			i = skipSpace(b, i)
			if len(stack) == 0 {
				return dst, i == len(b)
			}
			if i >= len(b) {
				return dst, false
			}
			top := stack[len(stack)-1]
			if b[i] == top+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return dst, false
			}
			i = skipSpace(b, i+1)
			if top == '{' {
				if i = objectKey(b, i); i < 0 {
					return dst, false
				}
			}
			break
		}
	}
}

// objectKey checks the key and colon of a member starting at b[i] and
// returns the index of its value (past spaces), or -1.
func objectKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = validString(b, i); i < 0 {
		return -1
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

// validString returns the index past the valid string at b[i] == '"', or -1.
func validString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		for i+8 <= len(b) && plain8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		switch {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		}
		// a backslash
		i++
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
				return -1
			}
			i += 4
		default:
			return -1
		}
	}
	return -1
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plain8 reports whether none of the 8 bytes of x is a control character, a
// quote or a backslash (bytes >= 0x80 are plain). Each term is the classic
// exact test for "some byte is less than n" (x - n*ones) &^ x & highs, for
// n = 0x20 and for zero bytes of x xor the quote and backslash.
func plain8(x uint64) bool {
	q := x ^ ('"' * ones)
	bs := x ^ ('\\' * ones)
	return ((x-0x20*ones)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs == 0
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// literal returns the index past lit at b[i], or -1.
func literal(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// validNumber returns the index past the number at b[i], or -1:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}
