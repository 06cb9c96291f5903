// Package room is a lock-sharded index between rooms and member ids, the data
// structure behind Socket.IO rooms: room → members and member → rooms, with
// broadcast target sets computed as the union of rooms minus except rooms.
//
// Ids and room names are plain strings; the index knows nothing of sockets.
//
// # Concurrency
//
// All methods are safe for concurrent use. Each direction of the index is
// split into lock shards chosen by hashing the key. Lock order is id shard,
// then room shard; at most one shard of each kind is held at a time. Reads
// copy ids under a shard's read lock and return a snapshot: nothing is
// called, and no caller code runs, while a lock is held. Config.OnEvent is
// called after the change, outside every lock.
//
// Operations on one id are serialised by its id shard, so the two directions
// agree for every id once its operation returns. A multi-room read such as
// AppendTargets reads each room at a moment of its own, not all at once.
package room
