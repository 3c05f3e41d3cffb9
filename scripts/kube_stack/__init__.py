"""kube-stack: a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler, kwok's fake nodes) built from the Go module proxy and run as processes.

Modules: versions (the pins), base (error, log, paths), build (the binaries, CRDs and Helm
clients), certs (the cluster's keys, certificates and tokens), components (each process's
command line), commands (build, up, status, down), cli (arguments, exit codes).
"""
