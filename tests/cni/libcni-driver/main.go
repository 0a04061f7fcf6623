// libcni-driver: run CNI plugins through libcni, the library containerd, CRI-O and podman use,
// the way those runtimes do, for the specs (spec/81-cni_libcni_spec.lua).
//
// Built offline against Debian's golang-github-appc-cni-dev (libcni 1.1.2):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o build/libcni-driver ./tests/cni/libcni-driver
//
// Usage:
//
//	libcni-driver -cmd add|check|del|gc|status -conflist FILE -path DIR[:DIR] -cachedir DIR
//	              [-netns PATH] [-id ID] [-ifname IF] [-args K=V;K=V] [-valid ID/IF,ID/IF]
//	              [-version V] [-timeout SEC]
//
// add prints the result (JSON, in the conflist's version); the others print nothing on success.
// A failure prints the plugin's CNI error object ({"code","msg","details"}) or, for a failure of
// libcni itself, {"libcni":"message"}, on stdout, and exits 1; a usage mistake exits 2.
//
// add, check and del are libcni's AddNetworkList, CheckNetworkList and DelNetworkList. libcni
// 1.1.2 predates CNI 1.1, so it has no GCNetworkList or GetStatusNetworkList: gc and status
// follow libcni 1.2's algorithm here instead (gcList, statusList below). -version overrides the
// conflist's cniVersion for gc and status only (GC and STATUS exist from 1.1.0, which libcni
// 1.1.2 cannot parse results of, so the specs add with 1.0.0 and collect with 1.1.0).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
)

func fail(err error) {
	var e *types.Error
	var out []byte
	if errors.As(err, &e) {
		out, _ = json.Marshal(e)
	} else {
		out, _ = json.Marshal(map[string]string{"libcni": err.Error()})
	}
	fmt.Println(string(out))
	os.Exit(1)
}

func usage(msg string) {
	fmt.Fprintln(os.Stderr, "libcni-driver: "+msg)
	os.Exit(2)
}

// attachment is one container's attachment to a network, as GC's valid-attachments lists it.
type attachment struct {
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifname"`
}

// netnsFile is where the driver keeps an attachment's netns path: libcni 1.2 caches it with the
// result and GC's DEL of a stale attachment passes it on; libcni 1.1.2's cache has no such field.
func netnsFile(cacheDir, net, id, ifname string) string {
	return filepath.Join(cacheDir, "netns", net+"-"+id+"-"+ifname)
}

// cached is the part of libcni 1.1.2's cache file (cachedInfo) that GC needs.
type cached struct {
	ContainerID string      `json:"containerId"`
	IfName      string      `json:"ifName"`
	NetworkName string      `json:"networkName"`
	CniArgs     [][2]string `json:"cniArgs,omitempty"`
}

func pluginVersioned(list *libcni.NetworkConfigList, version string, extra map[string]interface{}) ([]*libcni.NetworkConfig, error) {
	inject := map[string]interface{}{"name": list.Name, "cniVersion": version}
	for k, v := range extra {
		inject[k] = v
	}
	out := make([]*libcni.NetworkConfig, 0, len(list.Plugins))
	for _, p := range list.Plugins {
		c, err := libcni.InjectConf(p, inject)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// gcList is libcni 1.2's GCNetworkList: DEL every cached attachment of this network that is
// not valid, then (from CNI 1.1.0) GC to each plugin with cni.dev/valid-attachments.
func gcList(ctx context.Context, cninet *libcni.CNIConfig, list *libcni.NetworkConfigList, paths []string,
	cacheDir, version string, valid []attachment) error {
	isValid := map[attachment]bool{}
	for _, a := range valid {
		isValid[a] = true
	}
	var errs []string
	files, _ := filepath.Glob(filepath.Join(cacheDir, "results", "*"))
	for _, f := range files {
		data, err := ioutil.ReadFile(f)
		if err != nil {
			continue
		}
		var c cached
		if json.Unmarshal(data, &c) != nil || c.NetworkName != list.Name {
			continue
		}
		if isValid[attachment{c.ContainerID, c.IfName}] {
			continue
		}
		rt := &libcni.RuntimeConf{ContainerID: c.ContainerID, IfName: c.IfName, Args: c.CniArgs}
		nf := netnsFile(cacheDir, list.Name, c.ContainerID, c.IfName)
		if ns, err := ioutil.ReadFile(nf); err == nil {
			rt.NetNS = string(ns)
		}
		if err := cninet.DelNetworkList(ctx, list, rt); err != nil {
			errs = append(errs, err.Error())
		} else {
			os.Remove(nf)
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	if version < "1.1.0" {
		return nil
	}
	if valid == nil {
		valid = []attachment{}
	}
	confs, err := pluginVersioned(list, version, map[string]interface{}{"cni.dev/valid-attachments": valid})
	if err != nil {
		return err
	}
	var first error
	for _, c := range confs {
		path, err := invoke.FindInPath(c.Network.Type, paths)
		if err == nil {
			err = invoke.ExecPluginWithoutResult(ctx, path, c.Bytes, &invoke.Args{Command: "GC", Path: strings.Join(paths, ":")}, nil)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// statusList is libcni 1.2's GetStatusNetworkList: STATUS to each plugin in order (from CNI
// 1.1.0), stopping at the first error.
func statusList(ctx context.Context, list *libcni.NetworkConfigList, paths []string, version string) error {
	if version < "1.1.0" {
		return nil
	}
	confs, err := pluginVersioned(list, version, nil)
	if err != nil {
		return err
	}
	for _, c := range confs {
		path, err := invoke.FindInPath(c.Network.Type, paths)
		if err != nil {
			return err
		}
		if err := invoke.ExecPluginWithoutResult(ctx, path, c.Bytes, &invoke.Args{Command: "STATUS", Path: strings.Join(paths, ":")}, nil); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	cmd := flag.String("cmd", "", "add, check, del, gc or status")
	conflist := flag.String("conflist", "", "the network configuration list (a .conflist file)")
	netns := flag.String("netns", "", "the container's network namespace (a path)")
	id := flag.String("id", "", "the container id")
	ifname := flag.String("ifname", "eth0", "the interface name in the container")
	path := flag.String("path", "/usr/lib/cni", "plugin directories, colon separated (CNI_PATH)")
	cacheDir := flag.String("cachedir", "", "libcni's cache directory (required)")
	cniArgs := flag.String("args", "", "CNI_ARGS, K=V;K=V")
	valid := flag.String("valid", "", "gc: the valid attachments, ID/IF,ID/IF")
	version := flag.String("version", "", "gc, status: the cniVersion to speak (default: the conflist's)")
	timeout := flag.Int("timeout", 30, "seconds before the plugins are killed")
	flag.Parse()
	if *conflist == "" || *cacheDir == "" || flag.NArg() != 0 {
		usage("-conflist and -cachedir are required, no operands")
	}
	list, err := libcni.ConfListFromFile(*conflist)
	if err != nil {
		fail(err)
	}
	paths := filepath.SplitList(*path)
	cninet := libcni.NewCNIConfigWithCacheDir(paths, *cacheDir, nil)
	rt := &libcni.RuntimeConf{ContainerID: *id, NetNS: *netns, IfName: *ifname}
	if *cniArgs != "" {
		for _, kv := range strings.Split(*cniArgs, ";") {
			p := strings.SplitN(kv, "=", 2)
			if len(p) != 2 {
				usage("bad -args entry " + kv)
			}
			rt.Args = append(rt.Args, [2]string{p[0], p[1]})
		}
	}
	ver := list.CNIVersion
	if *version != "" {
		ver = *version
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout)*time.Second)
	defer cancel()
	switch *cmd {
	case "add":
		res, err := cninet.AddNetworkList(ctx, list, rt)
		if err != nil {
			fail(err)
		}
		nf := netnsFile(*cacheDir, list.Name, *id, *ifname)
		if err := os.MkdirAll(filepath.Dir(nf), 0700); err != nil {
			fail(err)
		}
		if err := ioutil.WriteFile(nf, []byte(*netns), 0600); err != nil {
			fail(err)
		}
		if err := res.Print(); err != nil {
			fail(err)
		}
	case "check":
		err = cninet.CheckNetworkList(ctx, list, rt)
	case "del":
		if err = cninet.DelNetworkList(ctx, list, rt); err == nil {
			os.Remove(netnsFile(*cacheDir, list.Name, *id, *ifname))
		}
	case "gc":
		var va []attachment
		if *valid != "" {
			for _, s := range strings.Split(*valid, ",") {
				p := strings.SplitN(s, "/", 2)
				if len(p) != 2 {
					usage("bad -valid entry " + s)
				}
				va = append(va, attachment{p[0], p[1]})
			}
		}
		err = gcList(ctx, cninet, list, paths, *cacheDir, ver, va)
	case "status":
		err = statusList(ctx, list, paths, ver)
	default:
		usage("-cmd must be add, check, del, gc or status")
	}
	if err != nil {
		fail(err)
	}
}
