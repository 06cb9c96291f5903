package codec_test

import (
	"fmt"

	"github.com/sockbus/sockbus/codec"
)

func ExampleAppendPacket() {
	data, atts, err := codec.AppendArgs(nil, []any{"upload", "photo.png", []byte{0x89, 0x50}})
	if err != nil {
		panic(err)
	}
	p := &codec.Packet{Type: codec.Event, Namespace: "/files", ID: 7, HasID: true, Data: data, Attachments: atts}
	fmt.Printf("%s\n", codec.AppendPacket(nil, p))
	fmt.Printf("% x\n", p.Attachments[0])
	// Output:
	// 51-/files,7["upload","photo.png",{"_placeholder":true,"num":0}]
	// 89 50
}

func ExampleDecoder() {
	var d codec.Decoder
	msgs := []struct {
		data   string
		binary bool
	}{
		{`2["hello","world"]`, false},
		{`51-["file",{"_placeholder":true,"num":0}]`, false},
		{"\x01\x02\x03", true},
	}
	for _, m := range msgs {
		p, err := d.Feed([]byte(m.data), m.binary)
		if err != nil {
			fmt.Println("close the connection:", err)
			return
		}
		if p == nil {
			fmt.Println("waiting for attachments")
			continue
		}
		name, _, _ := codec.EventName(p.Data)
		fmt.Println(p.Type, name, len(p.Attachments))
	}
	_, err := d.Feed([]byte("\x04"), true)
	fmt.Println(err)
	// Output:
	// EVENT hello 0
	// waiting for attachments
	// BINARY_EVENT file 1
	// codec: unexpected binary attachment
}

func ExampleAppendArgs() {
	type avatar struct {
		User  string `json:"user"`
		Image []byte `json:"image"`
		Note  string `json:"note,omitempty"`
	}
	data, atts, err := codec.AppendArgs(nil, []any{
		"profile",
		map[string]any{"id": 1, "thumb": []byte("small")},
		avatar{User: "ann", Image: []byte("big")},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", data)
	fmt.Printf("%q\n", atts)
	// Output:
	// ["profile",{"id":1,"thumb":{"_placeholder":true,"num":0}},{"user":"ann","image":{"_placeholder":true,"num":1}}]
	// ["small" "big"]
}

func ExampleArgs_Decode() {
	p, err := codec.ParsePacket([]byte(`51-["avatar",{"user":"ann","image":{"_placeholder":true,"num":0}},7]`), codec.Limits{})
	if err != nil {
		panic(err)
	}
	p.Attachments[0] = []byte("PNG") // as the Decoder would fill it
	_, rest, _ := codec.EventName(p.Data)
	args := codec.Args{Raw: rest, Attachments: p.Attachments}

	var a struct {
		User  string `json:"user"`
		Image []byte `json:"image"`
	}
	if err := args.Decode(0, &a); err != nil {
		panic(err)
	}
	var n int
	if err := args.Decode(1, &n); err != nil {
		panic(err)
	}
	fmt.Println(a.User, string(a.Image), n)
	fmt.Println(args.Decode(2, &n))
	// Output:
	// ann PNG 7
	// codec: argument 2: codec: no such argument
}

func ExampleAppendArgs_splice() {
	// Arguments as received: keys unsorted, an integer beyond float64, binary.
	received, err := codec.SplitArgs([]byte(`[{"z":1,"a":12345678901234567890},{"_placeholder":true,"num":0}]`), [][]byte{[]byte("PNG")})
	if err != nil {
		panic(err)
	}
	// Re-sent after a binary argument of our own: the received elements keep
	// their bytes, their placeholder is renumbered.
	data, atts, err := codec.AppendArgs(nil, []any{"echo", []byte("mine"), received})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", data)
	fmt.Printf("%q\n", atts)
	// Output:
	// ["echo",{"_placeholder":true,"num":0},{"z":1,"a":12345678901234567890},{"_placeholder":true,"num":1}]
	// ["mine" "PNG"]
}
