// sockbus chat page: the official socket.io-client talking to a Go server.
"use strict";

const $ = (id) => document.getElementById(id);
let socket;
let myNick = "";
let currentRoom = "";
const typers = new Set();

$("login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const nick = $("nick").value.trim();
  if (!nick) return;
  myNick = nick;
  start(nick);
});

function start(nick) {
  socket = io({ auth: { nick } });

  socket.on("connect", () => {
    $("login").hidden = true;
    $("app").hidden = false;
    $("me").textContent = nick;
    join(currentRoom || "lobby");
  });
  socket.on("connect_error", (err) => {
    $("login-error").textContent = err.message;
    socket.disconnect();
  });
  socket.on("rooms", renderRooms);
  socket.on("message", (m) => addMessage(m.from, document.createTextNode(m.text)));
  socket.on("image", (m) => {
    const img = document.createElement("img");
    img.alt = `image from ${m.from}`;
    img.src = URL.createObjectURL(new Blob([m.data], { type: m.mime }));
    addMessage(m.from, img);
  });
  socket.on("notice", addNotice);
  socket.on("typing", ({ nick: who, typing }) => {
    if (typing) typers.add(who);
    else typers.delete(who);
    renderTyping();
  });
  socket.on("disconnect", (reason) => addNotice(`disconnected (${reason})`));
}

async function join(room) {
  const res = await socket.emitWithAck("join", room);
  if (res.error) return addNotice(res.error);
  currentRoom = res.room;
  typers.clear();
  renderTyping();
  $("messages").replaceChildren();
  $("current").textContent = `# ${res.room}`;
  $("users").textContent = res.users.join(", ");
  addNotice(`you joined ${res.room}`);
  for (const li of $("rooms").children) li.classList.toggle("active", li.dataset.room === currentRoom);
}

function renderRooms(list) {
  $("rooms").replaceChildren(
    ...list.map((r) => {
      const li = document.createElement("li");
      li.dataset.room = r.name;
      li.classList.toggle("active", r.name === currentRoom);
      li.append(r.name, Object.assign(document.createElement("small"), { textContent: r.users }));
      li.addEventListener("click", () => join(r.name));
      return li;
    }),
  );
}

function addMessage(from, content) {
  const li = document.createElement("li");
  li.classList.toggle("mine", from === myNick);
  li.append(Object.assign(document.createElement("b"), { textContent: from }), content);
  append(li);
}

function addNotice(text) {
  append(Object.assign(document.createElement("li"), { className: "notice", textContent: text }));
}

function append(li) {
  $("messages").append(li);
  li.scrollIntoView({ block: "end" });
}

function renderTyping() {
  const names = [...typers];
  $("typing").textContent =
    names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
}

// Typing indicator: "true" on the first keystroke, "false" after a pause or
// on send.
let typing = false;
let typingTimer;
function setTyping(on) {
  clearTimeout(typingTimer);
  if (on) typingTimer = setTimeout(() => setTyping(false), 2000);
  if (on === typing) return;
  typing = on;
  socket.emit("typing", on);
}
$("text").addEventListener("input", () => setTyping($("text").value !== ""));

$("send-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("text").value;
  if (!text) return;
  socket.emit("message", text);
  $("text").value = "";
  setTyping(false);
});

$("join-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const room = $("room").value.trim();
  if (room) join(room);
  $("room").value = "";
});

$("file").addEventListener("change", async () => {
  const file = $("file").files[0];
  $("file").value = "";
  if (!file) return;
  if (file.size > 512 * 1024) return addNotice("image too large (max 512 KB)");
  socket.emit("image", await file.arrayBuffer(), file.type);
});
