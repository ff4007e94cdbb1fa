// raw: the CPU a Go process spends only receiving N TCP streams, one
// small write every 1/tps s each, no TLS, no HTTP.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

func main() {
	role := flag.String("role", "main", "")
	addr := flag.String("addr", "", "")
	streams := flag.Int("streams", 10, "")
	tokens := flag.Int("tokens", 300, "")
	tps := flag.Float64("tps", 50, "")
	ramp := flag.Duration("ramp", 2*time.Second, "time over which the streams start")
	tick := flag.Duration("tick", 0, "one goroutine reads every connection, non-blocking, every tick")
	flag.Parse()
	if *role == "client" && *tick > 0 {
		tickClient(*addr, *streams, *tick, *ramp)
		return
	}
	if *role == "client" {
		var wg sync.WaitGroup
		for i := 0; i < *streams; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp", *addr)
				if err != nil {
					panic(err)
				}
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
			time.Sleep(*ramp / time.Duration(*streams))
		}
		wg.Wait()
		return
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				time.Sleep(500 * time.Millisecond)
				t := time.NewTicker(time.Duration(float64(time.Second) / *tps))
				msg := []byte("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok\"}}]}\n\n")
				for i := 0; i < *tokens; i++ {
					<-t.C
					c.Write(msg)
				}
				c.Close()
			}()
		}
	}()
	cmd := exec.Command(os.Args[0], "-role", "client", "-addr", ln.Addr().String(), fmt.Sprint("-streams=", *streams), fmt.Sprint("-tick=", *tick), fmt.Sprint("-ramp=", *ramp))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Run()
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("raw TCP client CPU %v (user %v sys %v) = %.1f ms per stream of %d, %.1f us/token; vcsw %d\n", cpu, time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), float64(cpu.Microseconds())/1000/float64(*streams), *tokens, float64(cpu.Microseconds())/float64(*streams**tokens), ru.Nvcsw)
}

func tickClient(addr string, streams int, tick, ramp time.Duration) {
	var raws []syscall.RawConn
	open := streams
	done := make([]bool, streams)
	start := time.Now()
	buf := make([]byte, 65536)
	t := time.NewTicker(tick)
	for open > 0 {
		<-t.C
		for len(raws) < streams && time.Since(start) >= time.Duration(len(raws))*ramp/time.Duration(streams) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				panic(err)
			}
			rc, _ := c.(*net.TCPConn).SyscallConn()
			raws = append(raws, rc)
		}
		for i, rc := range raws {
			if done[i] {
				continue
			}
			rc.Read(func(fd uintptr) bool {
				for {
					n, err := syscall.Read(int(fd), buf)
					if n == 0 && err == nil {
						done[i] = true
						open--
						return true
					}
					if err != nil || n < len(buf) {
						return true
					}
				}
			})
		}
	}
}
