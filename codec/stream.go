package codec

import "io"

// Stream framing (Engine.IO 4.1, WebTransport style), used on byte streams
// such as raw TCP. Each frame is a header and a body:
//
//	len <= 125:       1 byte:  len
//	len <= 65535:     1 byte 126, then len as 2 bytes big-endian
//	otherwise:        1 byte 127, then len as 8 bytes big-endian
//
// The top bit of the first header byte is set for a binary body. The body is
// AppendEngine's form of one packet (type digit + text, or raw binary).

// AppendFrameHeader appends the frame header for a body of n bytes.
func AppendFrameHeader(dst []byte, n int, binary bool) []byte { panic("unimplemented") }

// AppendFrame appends a whole frame (header and body) holding p.
func AppendFrame(dst []byte, p EnginePacket) []byte { panic("unimplemented") }

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
func NewFrameReader(r io.Reader, max int) *FrameReader { panic("unimplemented") }

// Next reads one frame and parses its body. The returned Data is valid until
// the next call to Next. io.EOF means a clean end between frames;
// io.ErrUnexpectedEOF a stream cut inside a frame.
func (fr *FrameReader) Next() (EnginePacket, error) { panic("unimplemented") }
