"""driftmgr: does the cloud still match our Terraform state?"""

__version__ = "0.1.0"
