package main

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sockbus/sockbus/bus"
)

// Limits of what a client may send.
const (
	maxNick  = 32
	maxRoom  = 32
	maxText  = 2000
	maxImage = 512 << 10
)

// chat is the chat's state: which room each socket is in. Rooms themselves
// are bus rooms; members are kept here too for the user lists.
type chat struct {
	ns *bus.Namespace

	mu    sync.Mutex
	rooms map[string]map[string]string // room -> socket id -> nick
}

// member is a connected user. room is guarded by chat.mu.
type member struct {
	nick string
	room string
}

// roomOf returns m's current room ("" before the first join).
func (c *chat) roomOf(m *member) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m.room
}

func newChat(ns *bus.Namespace) *chat {
	c := &chat{ns: ns, rooms: make(map[string]map[string]string)}
	ns.Use(func(s *bus.Socket) error {
		nick, ok := nickOf(s)
		if !ok {
			return &bus.ConnectError{Message: "nickname required", Data: map[string]any{"max": maxNick}}
		}
		s.SetData(&member{nick: nick})
		return nil
	})
	ns.OnConnection(c.connected)
	return c
}

// nickOf returns the nickname from the socket's auth payload.
func nickOf(s *bus.Socket) (string, bool) {
	var auth struct {
		Nick string `json:"nick"`
	}
	_ = json.Unmarshal(s.Handshake().Auth, &auth)
	nick := strings.TrimSpace(auth.Nick)
	return nick, nick != "" && utf8.RuneCountInString(nick) <= maxNick
}

func (c *chat) connected(s *bus.Socket) {
	m := s.Data().(*member)
	_ = s.Emit("rooms", c.roomList())

	s.On("join", func(e *bus.Event) {
		room, err := bus.Arg[string](e, 0)
		room = strings.TrimSpace(room)
		if err != nil || room == "" || utf8.RuneCountInString(room) > maxRoom {
			_ = e.Ack(map[string]any{"error": "bad room name"})
			return
		}
		c.leave(s, m)
		c.mu.Lock()
		if c.rooms[room] == nil {
			c.rooms[room] = make(map[string]string)
		}
		c.rooms[room][s.ID()] = m.nick
		m.room = room
		c.mu.Unlock()
		s.Join(room)
		_ = s.To(room).Emit("notice", m.nick+" joined")
		_ = e.Ack(map[string]any{"room": room, "users": c.users(room)})
		_ = c.ns.Emit("rooms", c.roomList())
	})
	s.On("message", func(e *bus.Event) {
		text, err := bus.Arg[string](e, 0)
		room := c.roomOf(m)
		if err != nil || room == "" || text == "" || len(text) > maxText {
			return
		}
		_ = c.ns.To(room).Emit("message", map[string]any{"from": m.nick, "text": text, "time": time.Now().UnixMilli()})
	})
	s.On("typing", func(e *bus.Event) {
		typing, _ := bus.Arg[bool](e, 0)
		if room := c.roomOf(m); room != "" {
			_ = s.To(room).Emit("typing", map[string]any{"nick": m.nick, "typing": typing})
		}
	})
	s.On("image", func(e *bus.Event) {
		data, err := bus.Arg[[]byte](e, 0)
		mime, _ := bus.Arg[string](e, 1)
		room := c.roomOf(m)
		if err != nil || room == "" || len(data) == 0 || len(data) > maxImage || !strings.HasPrefix(mime, "image/") {
			return
		}
		_ = c.ns.To(room).Emit("image", map[string]any{"from": m.nick, "mime": mime, "data": data})
	})
	s.On("disconnect", func(*bus.Event) {
		c.leave(s, m)
		_ = c.ns.Emit("rooms", c.roomList())
	})
}

// leave takes the socket out of its current room, telling the others.
func (c *chat) leave(s *bus.Socket, m *member) {
	c.mu.Lock()
	room := m.room
	if room == "" {
		c.mu.Unlock()
		return
	}
	m.room = ""
	delete(c.rooms[room], s.ID())
	if len(c.rooms[room]) == 0 {
		delete(c.rooms, room)
	}
	c.mu.Unlock()
	s.Leave(room)
	_ = c.ns.To(room).Emit("typing", map[string]any{"nick": m.nick, "typing": false})
	_ = c.ns.To(room).Emit("notice", m.nick+" left")
}

// roomInfo is one entry of the room list.
type roomInfo struct {
	Name  string `json:"name"`
	Users int    `json:"users"`
}

func (c *chat) roomList() []roomInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := make([]roomInfo, 0, len(c.rooms))
	for name, members := range c.rooms {
		list = append(list, roomInfo{Name: name, Users: len(members)})
	}
	slices.SortFunc(list, func(a, b roomInfo) int { return strings.Compare(a.Name, b.Name) })
	return list
}

func (c *chat) users(room string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	users := make([]string, 0, len(c.rooms[room]))
	for _, nick := range c.rooms[room] {
		users = append(users, nick)
	}
	slices.Sort(users)
	return users
}
