# mk/images.mk: the container images, included by the Makefile.
#   make images          restic-docker-swarm:agent, restic-docker-swarm:server
#                        and the test database rds-test/postgres:latest
#   make image-agent, make image-server, make image-postgres: one of them
#   make base-image      debian:trixie-slim, imported when missing
# The daemon is DOCKER_HOST's, else the socket RDS_DOCKER_SOCK names.
# The builds run one after the other on purpose: the agent's and server's
# builder stages are identical, so the second takes them from the cache.
# The builder stage is tagged too (IMAGE_BUILDER): an untagged stage is a
# dangling image, and `docker image prune` would throw the compiler layer
# (the slowest step) away with it.
DOCKER         ?= docker
IMAGE_AGENT    ?= restic-docker-swarm:agent
IMAGE_SERVER   ?= restic-docker-swarm:server
IMAGE_POSTGRES ?= rds-test/postgres:latest
IMAGE_BUILDER  ?= restic-docker-swarm:builder
DOCKER_BUILD_FLAGS ?=

ifneq ($(RDS_DOCKER_SOCK),)
DOCKER_HOST ?= unix://$(RDS_DOCKER_SOCK)
export DOCKER_HOST
endif

IMAGE_BUILD = $(DOCKER) build $(DOCKER_BUILD_FLAGS)

.PHONY: images image-agent image-server image-postgres base-image
images: base-image
	$(IMAGE_BUILD) -f docker/agent/Dockerfile --target builder -t $(IMAGE_BUILDER) .
	$(IMAGE_BUILD) -f docker/agent/Dockerfile -t $(IMAGE_AGENT) .
	$(IMAGE_BUILD) -f docker/server/Dockerfile -t $(IMAGE_SERVER) .
	$(IMAGE_BUILD) -f docker/postgres/Dockerfile -t $(IMAGE_POSTGRES) .

image-agent: base-image
	$(IMAGE_BUILD) -f docker/agent/Dockerfile --target builder -t $(IMAGE_BUILDER) .
	$(IMAGE_BUILD) -f docker/agent/Dockerfile -t $(IMAGE_AGENT) .

image-server: base-image
	$(IMAGE_BUILD) -f docker/server/Dockerfile --target builder -t $(IMAGE_BUILDER) .
	$(IMAGE_BUILD) -f docker/server/Dockerfile -t $(IMAGE_SERVER) .

image-postgres: base-image
	$(IMAGE_BUILD) -f docker/postgres/Dockerfile -t $(IMAGE_POSTGRES) .

base-image:
	scripts/base-image.sh >/dev/null
