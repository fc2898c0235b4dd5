// Mount tests are added alongside.
