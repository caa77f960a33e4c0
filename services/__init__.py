"""Work done without a request: sanitising, typography, search, images, page cache, outbox."""
