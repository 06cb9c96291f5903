package codec

// A tiny scanner over JSON that is already known to be valid (json.Valid):
// it finds value boundaries without decoding, so arguments can stay raw.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i] (not a
// space).
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default:
		for i < len(b) {
			switch b[i] {
			case ',', ']', '}', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// eachElement calls fn with every element of the array starting at b[i] ==
// '[' (valid JSON), trimmed of spaces, and returns the index past the array.
func eachElement(b []byte, i int, fn func(elem []byte) error) (int, error) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for i < len(b) {
		e := skipValue(b, i)
		if err := fn(b[i:e:e]); err != nil {
			return e, err
		}
		i = skipSpace(b, e)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		i = skipSpace(b, i+1) // past ','
	}
	return i, nil
}

// eachMember calls fn with every key (raw, quoted) and value (raw) of the
// object starting at b[i] == '{' (valid JSON); it returns the index past it.
func eachMember(b []byte, i int, fn func(key, val []byte) error) (int, error) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for i < len(b) {
		ke := skipString(b, i)
		key := b[i:ke]
		vs := skipSpace(b, skipSpace(b, ke)+1) // past ':'
		ve := skipValue(b, vs)
		if err := fn(key, b[vs:ve:ve]); err != nil {
			return ve, err
		}
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		i = skipSpace(b, i+1) // past ','
	}
	return i, nil
}
