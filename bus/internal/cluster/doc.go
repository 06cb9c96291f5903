// Package cluster holds the logic the cluster adapters (bus/redisadapter,
// bus/natsadapter) share beyond their wire formats: the registry of
// requests waiting for the other servers' responses (FetchSockets,
// AllRooms, ServerSideEmitWithAck), the registry of broadcasts waiting for
// acknowledgements, and the decoding of fetched sockets.
//
// Encoding, channels or subjects, request ids and error texts stay with
// each adapter.
package cluster
