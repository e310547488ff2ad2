package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The stand-ins for what runs in the twin's pods. kwok gives each pod an
// address of the twin's pod network, which is local to the test's network
// namespace: a stand-in listens there, so traffic Traefik sends to the
// pod's endpoint reaches it.

// serveDesktop plays a desktop container on ip:port: GET answers with the
// pod's name and the path asked for; a websocket upgrade on any path echoes
// every message back.
func serveDesktop(t testing.TB, ip string, port int32, pod string) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(int(port))))
	if err != nil {
		t.Fatalf("desktop stand-in for %s: %v", pod, err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/headers":
			// What reached the desktop of the user's credentials.
			fmt.Fprintf(w, "authorization=%q cookie=%q", r.Header.Get("Authorization"), r.Header.Get("Cookie"))
			return
		case r.Header.Get("Upgrade") == "":
			fmt.Fprintf(w, "desktop %s %s", pod, r.URL.Path)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, append([]byte(pod+": "), msg...)); err != nil {
				return
			}
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

// serveUDPEcho plays a UDP server on ip:port that answers each datagram
// with "echo: " and the datagram, and reports what it received.
func serveUDPEcho(t testing.TB, ip string, port int32) <-chan string {
	t.Helper()
	conn, err := net.ListenPacket("udp", net.JoinHostPort(ip, strconv.Itoa(int(port))))
	if err != nil {
		t.Fatalf("UDP stand-in on %s:%d: %v", ip, port, err)
	}
	got := make(chan string, 16)
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := conn.ReadFrom(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			select {
			case got <- string(buf[:n]):
			default:
			}
			_, _ = conn.WriteTo(append([]byte("echo: "), buf[:n]...), from)
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return got
}
