package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Stream framing (Engine.IO 4.1, WebTransport style), used on byte streams
// such as raw TCP. Each frame is a header and a body:
//
//	len <= 125:       1 byte:  len
//	len <= 65535:     1 byte 126, then len as 2 bytes big-endian
//	otherwise:        1 byte 127, then len as 8 bytes big-endian
//
// The top bit of the first header byte is set for a binary body. The body is
// AppendEngine's form of one packet (type digit + text, or raw binary).

// DefaultMaxPayload is the body size limit used when none is given (1e6
// bytes, Engine.IO's default maxHttpBufferSize).
const DefaultMaxPayload = 1_000_000

// AppendFrameHeader appends the frame header for a body of n bytes.
func AppendFrameHeader(dst []byte, n int, bin bool) []byte {
	var flag byte
	if bin {
		flag = 0x80
	}
	switch {
	case n <= 125:
		return append(dst, flag|byte(n))
	case n <= 0xffff:
		return append(dst, flag|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, flag|127)
		return binary.BigEndian.AppendUint64(dst, uint64(n))
	}
}

// AppendFrame appends a whole frame (header and body) holding p.
func AppendFrame(dst []byte, p EnginePacket) []byte {
	dst = AppendFrameHeader(dst, engineLen(p), p.Binary && p.Type == Message)
	return AppendEngine(dst, p)
}

// FrameReader reads frames from a byte stream. It is not safe for concurrent
// use.
type FrameReader struct {
	r   io.Reader
	max int
	buf []byte
	hdr [9]byte
}

// NewFrameReader returns a FrameReader over r refusing bodies over max bytes
// (ErrPayloadTooLarge); max <= 0 means 1e6.
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = DefaultMaxPayload
	}
	return &FrameReader{r: r, max: max}
}

// Next reads one frame and parses its body. The returned Data is valid until
// the next call to Next. io.EOF means a clean end between frames;
// io.ErrUnexpectedEOF a stream cut inside a frame. A body over the limit is
// ErrPayloadTooLarge (wrapped) and a malformed text body a *SyntaxError; the
// stream cannot be resumed after either.
func (fr *FrameReader) Next() (EnginePacket, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:1]); err != nil {
		return EnginePacket{}, err // io.EOF: clean end between frames
	}
	bin := fr.hdr[0]&0x80 != 0
	n := uint64(fr.hdr[0] & 0x7f)
	switch n {
	case 126:
		if err := fr.readFull(fr.hdr[1:3]); err != nil {
			return EnginePacket{}, err
		}
		n = uint64(binary.BigEndian.Uint16(fr.hdr[1:3]))
	case 127:
		if err := fr.readFull(fr.hdr[1:9]); err != nil {
			return EnginePacket{}, err
		}
		n = binary.BigEndian.Uint64(fr.hdr[1:9])
	}
	if n > uint64(fr.max) {
		return EnginePacket{}, fmt.Errorf("codec: frame of %d bytes over %d: %w", n, fr.max, ErrPayloadTooLarge)
	}
	if cap(fr.buf) < int(n) {
		fr.buf = make([]byte, n)
	}
	body := fr.buf[:n]
	if err := fr.readFull(body); err != nil {
		return EnginePacket{}, err
	}
	return ParseEngine(body, bin)
}

// readFull reads len(b) bytes of a frame already begun: a clean EOF there is
// io.ErrUnexpectedEOF.
func (fr *FrameReader) readFull(b []byte) error {
	_, err := io.ReadFull(fr.r, b)
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
