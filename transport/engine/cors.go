package engine

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const defaultCORSMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// apply sets the CORS headers for r and reports whether r is a preflight
// that the caller must answer 204.
func (c *CORSConfig) apply(h http.Header, r *http.Request) (preflight bool) {
	origin := r.Header.Get("Origin")
	switch allow := c.allowOrigin(origin); {
	case allow == "":
	case allow == "*":
		h.Set("Access-Control-Allow-Origin", "*")
	default:
		h.Set("Access-Control-Allow-Origin", allow)
		h.Add("Vary", "Origin")
	}
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method != http.MethodOptions {
		return false
	}
	methods := defaultCORSMethods
	if len(c.Methods) > 0 {
		methods = strings.Join(c.Methods, ",")
	}
	h.Set("Access-Control-Allow-Methods", methods)
	if len(c.AllowedHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ","))
	} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
	}
	return true
}

// allowOrigin returns the Access-Control-Allow-Origin value, or "".
func (c *CORSConfig) allowOrigin(origin string) string {
	if c.AllowOrigin != nil {
		if origin != "" && c.AllowOrigin(origin) {
			return origin
		}
		return ""
	}
	if len(c.Origins) == 0 || slices.Contains(c.Origins, "*") {
		if c.Credentials && origin != "" {
			return origin
		}
		return "*"
	}
	if slices.Contains(c.Origins, origin) {
		return origin
	}
	return ""
}
