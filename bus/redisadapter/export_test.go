package redisadapter

// RedisAddr is redisAddr, for the external tests.
var RedisAddr = redisAddr
